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
    static final OutboundSseEvent HEARTBEAT = OutboundEvents.comment("heartbeat");

    private final ConnectionStore store;
    private final long quietNanos;
    private final Telemetry telemetry;
    /** How often rounds run; 0 when heartbeats are off. */
    private volatile long periodNanos;
    /** When the last round ended (or the rounds started), in {@link System#nanoTime()}. */
    private volatile long lastRoundNanos = System.nanoTime();
    /** The scheduled rounds; null when heartbeats are off. */
    private volatile ScheduledFuture<?> rounds;

    private Heartbeats(ConnectionStore store, long quietNanos, Telemetry telemetry) {
        this.store = store;
        this.quietNanos = quietNanos;
        this.telemetry = telemetry;
    }

    /** Starts the rounds, unless the interval is zero. */
    static Heartbeats start(ConnectionStore store, DeliveryThreads threads, Duration interval, Telemetry telemetry) {
        Heartbeats heartbeats = new Heartbeats(store, interval.toNanos(), telemetry);
        if (!interval.isZero()) {
            long period = Math.max(interval.toNanos() / 2, Duration.ofMillis(10).toNanos());
            heartbeats.periodNanos = period;
            heartbeats.rounds = threads.every(period, heartbeats::round);
        }
        return heartbeats;
    }

    /**
     * How far the rounds are behind: the time since the last round ended, less three periods; 0 when on time, or
     * when heartbeats are off or stopped.
     */
    long lateNanos() {
        long period = periodNanos;
        if (period == 0) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - lastRoundNanos - 3 * period);
    }

    /** One round over every stream. */
    void round() {
        try {
            long now = System.nanoTime();
            int[] sent = new int[1];
            store.forEach(KeyPattern.all(), (key, connection) -> {
                if (!(connection instanceof Stream stream)) {
                    return;
                }
                if (now - stream.lastWriteNanos() >= quietNanos) {
                    // Quiet: the comment finds out whether the client is still there. It renews the stream on a
                    // later round, once written; one that waits behind a write to a client that stopped reading
                    // renews nothing, so such a stream still expires.
                    sent[0] += stream.send(HEARTBEAT) ? 1 : 0;
                } else if (!stream.hasFailed()) {
                    store.touch(key);
                }
            });
            telemetry.heartbeats(sent[0], 0);
            lastRoundNanos = System.nanoTime();
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again; keep the heartbeats going.
            LOG.log(Level.WARNING, "Sfere: a heartbeat round failed", e);
        }
    }

    /** Stops the rounds; a round already running finishes. */
    void stop() {
        periodNanos = 0;
        ScheduledFuture<?> running = rounds;
        if (running != null) {
            running.cancel(false);
        }
    }
}
