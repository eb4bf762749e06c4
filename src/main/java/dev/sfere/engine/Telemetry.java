package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;

/**
 * What the engine tells a metrics recorder, off its hot path where it can: counts are handed over once per delivery,
 * per drain of a stream's queue or per heartbeat round, never once per event and stream. Implementations must be
 * cheap and must not throw; every method does nothing by default.
 */
public interface Telemetry {

    /** Records nothing. */
    Telemetry NONE = new Telemetry() {
    };

    /**
     * A stream was registered.
     *
     * @param key        its key
     * @param resumption new, resumed or reset
     */
    default void connected(ConnectionKey key, Resumption resumption) {
    }

    /**
     * A stream was removed.
     *
     * @param key   its key
     * @param cause why
     */
    default void evicted(ConnectionKey key, EvictionCause cause) {
    }

    /**
     * Events were queued: one delivery's events times the streams that took them.
     *
     * @param events how many event-and-stream pairs
     */
    default void queued(long events) {
    }

    /**
     * A delivery thread wrote a stream's queue.
     *
     * @param depth       how many events waited when it began
     * @param waitedNanos how long the stream's first waiting event waited for a thread
     * @param written     how many events it handed to the runtime
     */
    default void drained(int depth, long waitedNanos, int written) {
    }

    /**
     * Events queued for a stream were never written: the stream ended with them waiting.
     *
     * @param events how many
     */
    default void dropped(int events) {
    }

    /**
     * Events crossed the cluster: {@code published} to the log, {@code received} from it (this instance's own
     * included), or {@code dropped} from those held for the other instances while the log could not be reached.
     *
     * @param direction {@code published}, {@code received} or {@code dropped}
     * @param events    how many events
     */
    default void cluster(String direction, int events) {
    }

    /**
     * Heartbeats were queued (once per round), or a heartbeat's write failed (once per failure).
     *
     * @param sent   heartbeat comments queued
     * @param failed heartbeat writes that failed
     */
    default void heartbeats(int sent, int failed) {
    }
}
