package dev.sfere.engine;

import dev.sfere.ConnectionKey;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The ids of the {@code sfere-close} events that ended streams on purpose, with their keys, for as long as a client
 * may resume: this instance's own, and, in cluster mode, every other instance's, as the log tells them. A client
 * that reconnects with one is told its stream ended for good, on whichever instance it lands. Thread-safe.
 */
final class Ends {

    /** The most ends remembered at once: beyond it, the oldest is forgotten (its client would then be reset). */
    static final int MAX_ENDS = 100_000;

    private record End(ConnectionKey key, long nanos) {
    }

    /** Guarded by {@code this}: oldest first. */
    private final Map<String, End> ends = new LinkedHashMap<>();
    private final long keptNanos;

    /**
     * @param keptNanos how long an end is remembered
     */
    Ends(long keptNanos) {
        this.keptNanos = keptNanos;
    }

    /** Remembers that the stream of a key ended with an {@code sfere-close} of this id. */
    synchronized void remember(String id, ConnectionKey key, long nowNanos) {
        forgetOld(nowNanos);
        ends.put(id, new End(key, nowNanos));
        notifyAll();
        if (ends.size() > MAX_ENDS) {
            Iterator<String> oldest = ends.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Whether an id is that of the {@code sfere-close} event that ended a stream of the key. */
    synchronized boolean ended(ConnectionKey key, String id, long nowNanos) {
        forgetOld(nowNanos);
        End end = ends.get(id);
        return end != null && end.key().equals(key);
    }

    /**
     * As {@link #ended}, but waits up to a bound for the end to be told (by another instance, through the log) if it
     * is not known yet.
     *
     * @param clock     the time in nanoseconds
     * @param waitNanos the longest to wait; 0 answers at once
     */
    synchronized boolean ended(ConnectionKey key, String id, LongSupplier clock, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        while (!ended(key, id, clock.getAsLong())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private void forgetOld(long now) {
        Iterator<End> oldest = ends.values().iterator();
        while (oldest.hasNext() && now - oldest.next().nanos() > keptNanos) {
            oldest.remove();
        }
    }
}
