package dev.sfere.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Messages held for the log while it cannot be reached, oldest first, up to {@link #MAX_HELD}; beyond, the oldest
 * are dropped. Once any is dropped, a {@link Cluster.Notice.Kind#LOST} notice goes first among those held, so that
 * the other instances, which never get the dropped events, reset their streams instead of leaving a silent gap.
 * Only one such notice is held at a time, and it is never dropped. Thread-safe.
 */
final class HeldMessages {

    /** The most messages (calls) held; beyond, the oldest go. */
    static final int MAX_HELD = 10_000;

    /**
     * A message held for the log.
     *
     * @param id      its message id, against a second store
     * @param payload the {@link WireFormat} bytes
     * @param events  how many events it carries
     * @param lost    whether it is the notice that events were dropped
     */
    record Held(String id, byte[] payload, int events, boolean lost) {
    }

    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final int limit;
    /** Guarded by {@code this}: a lost notice is at the head of {@link #held}. */
    private boolean lostHeld;

    HeldMessages() {
        this(MAX_HELD);
    }

    /** With another limit, for tests. */
    HeldMessages(int limit) {
        this.limit = limit;
    }

    /**
     * Holds a message (a lost notice goes first, once), and drops the oldest beyond the limit.
     *
     * @param message the message
     * @param lost    makes the lost notice, if one is needed and none is held
     * @return the messages dropped, oldest first; none mostly
     */
    synchronized List<Held> add(Held message, Supplier<Held> lost) {
        List<Held> dropped = List.of();
        if (message.lost()) {
            if (!lostHeld) {
                held.addFirst(message);
                lostHeld = true;
            }
            return dropped;
        }
        held.addLast(message);
        while (held.size() - (lostHeld ? 1 : 0) > limit) {
            Held first = held.removeFirst();
            Held oldest = first;
            if (first.lost()) {
                oldest = held.removeFirst();
                held.addFirst(first);
            }
            if (dropped.isEmpty()) {
                dropped = new ArrayList<>();
            }
            dropped.add(oldest);
        }
        if (!dropped.isEmpty() && !lostHeld) {
            held.addFirst(lost.get());
            lostHeld = true;
        }
        return dropped;
    }

    /** Takes every message held, oldest first (a lost notice first of all), to publish them. */
    synchronized List<Held> takeAll() {
        List<Held> all = new ArrayList<>(held);
        held.clear();
        lostHeld = false;
        return all;
    }

    synchronized int size() {
        return held.size();
    }
}
