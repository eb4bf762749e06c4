package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The events delivered lately, so that a client that reconnects can be given what it missed: one entry per event,
 * in the order of their sequence numbers, bounded in age (the resume window) and in estimated bytes.
 *
 * <p>Every sequence number the engine stamps has an entry, so entries sit in a ring at {@code sequence - first}:
 * finding where a resume starts is O(1), and a resume costs O(m) in the m entries after that point, whatever the
 * number of streams. An event broadcast to many streams is stored once, with the selection it was sent to; markers
 * (the ids of {@code sfere-close} events) select nothing.
 *
 * <p>Not thread-safe: the engine calls it with its delivery lock held.
 */
final class History {

    /**
     * Bytes counted for an entry besides its data: the entry, the stamped event, its id and the application's event,
     * as measured with JOL (about 210 B; docs/BENCHMARKS.md §8).
     */
    static final long ENTRY_OVERHEAD = 210;
    /** Bytes counted for data the library cannot size without serializing it (an application's object). */
    static final long UNSIZED_DATA = 256;

    /**
     * Which keys a delivery selects.
     *
     * @param pattern        the keys reached
     * @param excludeKeys    keys left out, or null
     * @param excludePattern keys left out, or null
     */
    record Selection(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern) {
        boolean selects(ConnectionKey key) {
            return pattern.matches(key) && (excludeKeys == null || !excludeKeys.contains(key))
                    && (excludePattern == null || !excludePattern.matches(key));
        }
    }

    /** What a resume from an id finds: the events to replay, or why none can be (then a reset). */
    record Replay(List<Stamped> events, String resetReason) {
    }

    private record Entry(Stamped event, Selection selection, long nanos, long bytes) {
    }

    private final EventIds ids;
    /** Where the cluster's log messages sit, once this instance consumes a log; else null. */
    private LogPositions log;
    private final long windowNanos;
    private final long maxBytes;
    private Entry[] ring = new Entry[16];
    private int head;
    private int size;
    private long bytes;
    /** The sequence of the entry at {@code head}. */
    private long first = 1;
    /** The sequence the next event gets. */
    private long next = 1;
    /** The last sequence dropped (0 before any), and when it was stamped. */
    private long dropped;
    private long droppedNanos;
    /** Resumes from this sequence or before are reset: events after it were lost ({@link #dropAll}); -1 if none. */
    private long lostThrough = -1;

    /**
     * @param ids         the ids' epoch
     * @param windowNanos how long an event may be resumed from; 0 keeps nothing
     * @param maxBytes    the most bytes, estimated, the entries may hold
     * @param nowNanos    the time now: an id of sequence 0 (before any event) is as old as this history
     */
    History(EventIds ids, long windowNanos, long maxBytes, long nowNanos) {
        this.ids = ids;
        this.windowNanos = windowNanos;
        this.maxBytes = maxBytes;
        this.droppedNanos = nowNanos;
    }

    EventIds ids() {
        return ids;
    }

    /** How long an event may be resumed from; 0 with resuming off. */
    long windowNanos() {
        return windowNanos;
    }

    /** The positions of the cluster's log, or null before this instance consumed one. */
    LogPositions log() {
        return log;
    }

    /**
     * Starts recording the positions of a log: a new one (another epoch) forgets those of the last.
     *
     * @param epoch the log's epoch
     * @return true if it is another epoch than the last one's (or the first)
     */
    boolean useLog(String epoch) {
        if (log != null && log.epoch().equals(epoch)) {
            return false;
        }
        log = new LogPositions(epoch);
        return true;
    }

    /**
     * Drops every entry, as if each had aged out: a resume from any id given so far is reset ({@code expired}). For a
     * gap in the log, after which replaying would leave events out.
     */
    void dropAll() {
        while (size > 0) {
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
        }
        bytes = 0;
        lostThrough = next - 1;
        dropped = next - 1;
        first = next;
        if (log != null) {
            log.clear();
        }
    }

    /** The last sequence stamped, or 0. */
    long latest() {
        return next - 1;
    }

    /** How many entries are kept. */
    int size() {
        return size;
    }

    /** The bytes the entries hold, estimated. */
    long bytes() {
        return bytes;
    }

    /**
     * Stamps events with the next sequence numbers and keeps them for the window.
     *
     * @param selection to whom they were sent
     * @param events    the application's events
     * @param nowNanos  the time now
     * @return the stamped events, in order
     */
    Stamped[] append(Selection selection, OutboundSseEvent[] events, long nowNanos) {
        return append(selection, events, nowNanos, -1);
    }

    /**
     * Stamps the events of a message of the log with its ids and keeps them; see {@link #useLog}.
     *
     * @param logSequence the message's sequence in the log, the one expected next (or any, for the first)
     * @param selection   to whom they were sent
     * @param events      the events; none for a message this instance delivered already, which only takes its
     *                    place in the log's order
     * @param stampedNanos when the message was stored in the log, in this clock
     * @param nowNanos    the time now
     * @return the stamped events, in order
     */
    Stamped[] appendLogged(long logSequence, Selection selection, OutboundSseEvent[] events, long stampedNanos,
                           long nowNanos) {
        log.add(logSequence, next, events.length);
        Stamped[] stamped = append(selection, events, stampedNanos, logSequence);
        trim(nowNanos);
        return stamped;
    }

    private Stamped[] append(Selection selection, OutboundSseEvent[] events, long nanos, long logSequence) {
        Stamped[] stamped = new Stamped[events.length];
        for (int i = 0; i < events.length; i++) {
            OutboundSseEvent event = events[i] instanceof Stamped again ? again.event() : events[i];
            String id = logSequence < 0 ? ids.format(next) : log.format(logSequence, i);
            stamped[i] = new Stamped(event, next, id);
            add(new Entry(stamped[i], selection, nanos, ENTRY_OVERHEAD + dataBytes(event.getData())));
        }
        trim(nanos);
        return stamped;
    }

    /**
     * Reads an id a client presented: this instance's own, or one of the log's.
     *
     * @return the history sequence it names, or why it cannot be resumed from; a log id of a message not consumed
     *         yet is {@link EventIds.Parsed#AHEAD} with {@code logSequence} set
     */
    EventIds.Parsed parse(String id) {
        if (log != null && id.length() > log.epoch().length() && id.charAt(log.epoch().length()) == '-'
                && id.startsWith(log.epoch())) {
            return EventIds.parseLogged(id, log);
        }
        return ids.parse(id);
    }

    /**
     * Takes the next sequence number for an event of the library's own that is not replayed (an {@code sfere-close}).
     *
     * @return its id
     */
    String mark(long nowNanos) {
        long sequence = next;
        add(new Entry(null, null, nowNanos, ENTRY_OVERHEAD));
        trim(nowNanos);
        return ids.format(sequence);
    }

    /**
     * What a client that received the event of a sequence, and nothing after it, missed: every event after it that
     * selects the key, or a reason to reset when that cannot be known in full.
     */
    Replay after(long sequence, ConnectionKey key, long nowNanos) {
        trim(nowNanos);
        if (windowNanos == 0) {
            return new Replay(List.of(), "disabled");
        }
        if (sequence >= next) {
            return new Replay(List.of(), "unknown");
        }
        long stamped = sequence == dropped ? droppedNanos : sequence > dropped ? at(sequence).nanos() : Long.MIN_VALUE;
        if (sequence < dropped || sequence <= lostThrough || nowNanos - stamped > windowNanos) {
            return new Replay(List.of(), "expired");
        }
        List<Stamped> missed = new ArrayList<>();
        for (long s = sequence + 1; s < next; s++) {
            Entry entry = at(s);
            if (entry.selection() != null && entry.selection().selects(key)) {
                missed.add(entry.event());
            }
        }
        return new Replay(missed, null);
    }

    private Entry at(long sequence) {
        return ring[(head + (int) (sequence - first)) & (ring.length - 1)];
    }

    private void add(Entry entry) {
        next++;
        if (windowNanos == 0) {
            // Nothing is kept: the event is as good as dropped at once.
            dropped = next - 1;
            droppedNanos = entry.nanos();
            first = next;
            return;
        }
        if (size == ring.length) {
            Entry[] grown = new Entry[ring.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = grown;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = entry;
        size++;
        bytes += entry.bytes();
    }

    /** Drops the oldest entries while they are past the window or the entries hold too many bytes. */
    private void trim(long nowNanos) {
        while (size > 0) {
            Entry oldest = ring[head];
            if (nowNanos - oldest.nanos() <= windowNanos && bytes <= maxBytes) {
                break;
            }
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
            bytes -= oldest.bytes();
            dropped = first;
            droppedNanos = oldest.nanos();
            first++;
        }
        if (log != null) {
            log.trim(first);
        }
        if (size == 0 && ring.length > 16) {
            ring = new Entry[16];
            head = 0;
        }
    }

    /** The bytes an event's data holds, as near as can be told without serializing it. */
    static long dataBytes(Object data) {
        if (data == null) {
            return 0;
        }
        if (data instanceof byte[] raw) {
            return raw.length;
        }
        if (data instanceof CharSequence text) {
            return 2L * text.length();
        }
        return UNSIZED_DATA;
    }

    @Override
    public String toString() {
        return "History[" + ids.epoch() + ", " + first + ".." + (next - 1) + ", " + size + " entries, " + bytes
                + " bytes, " + log + "]";
    }
}
