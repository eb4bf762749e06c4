package dev.sfere.engine;

import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes a comment to every stream quiet for the heartbeat interval, so a client that went away shows up as a
 * failed write (runtimes notice a dead client only when a write fails), and renews the sliding window of every
 * stream that accepted a write within the interval. Rounds run on the scheduler of {@link DeliveryThreads}, at
 * half the interval.
 */
final class Heartbeats {

    private static final Logger LOG = Logger.getLogger(Heartbeats.class.getName());
    private static final OutboundSseEvent HEARTBEAT = OutboundEvents.comment("heartbeat");

    private final ConnectionStore store;
    private final long quietNanos;
    /** The scheduled rounds; null when heartbeats are off. */
    private volatile ScheduledFuture<?> rounds;

    private Heartbeats(ConnectionStore store, long quietNanos) {
        this.store = store;
        this.quietNanos = quietNanos;
    }

    /** Starts the rounds, unless the interval is zero. */
    static Heartbeats start(ConnectionStore store, DeliveryThreads threads, Duration interval) {
        Heartbeats heartbeats = new Heartbeats(store, interval.toNanos());
        if (!interval.isZero()) {
            long period = Math.max(interval.toNanos() / 2, Duration.ofMillis(10).toNanos());
            heartbeats.rounds = threads.every(period, heartbeats::round);
        }
        return heartbeats;
    }

    /** One round over every stream. */
    void round() {
        try {
            long now = System.nanoTime();
            store.forEach(KeyPattern.all(), (key, connection) -> {
                if (!(connection instanceof Stream stream)) {
                    return;
                }
                if (now - stream.lastWriteNanos() >= quietNanos) {
                    // Quiet: the comment finds out whether the client is still there. It renews the stream on a
                    // later round, once written; one that waits behind a write to a client that stopped reading
                    // renews nothing, so such a stream still expires.
                    stream.send(HEARTBEAT);
                } else if (!stream.hasFailed()) {
                    store.touch(key);
                }
            });
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again; keep the heartbeats going.
            LOG.log(Level.WARNING, "Sfere: a heartbeat round failed", e);
        }
    }

    /** Stops the rounds; a round already running finishes. */
    void stop() {
        ScheduledFuture<?> running = rounds;
        if (running != null) {
            running.cancel(false);
        }
    }
}
