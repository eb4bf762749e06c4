package dev.sfere.engine;

/**
 * How the engine is doing, for health checks: read at once, without locking out deliveries.
 *
 * @param streams             this instance's open streams
 * @param heartbeatsLateNanos how far the heartbeat rounds are behind (how long since the last round ended, less three
 *                            periods); 0 when on time or off
 * @param deliveryStuckNanos  how long delivery tasks have waited while no task started or ended; 0 when moving
 * @param writeTimeoutNanos   the write deadline; 0 for none
 * @param cluster             {@code none}, or the cluster connection's state
 * @param historyEvents       events kept for resuming
 * @param historyBytes        their estimated bytes
 * @param historyMaxBytes     the bound of those bytes
 */
public record EngineHealth(int streams, long heartbeatsLateNanos, long deliveryStuckNanos, long writeTimeoutNanos,
                           String cluster, int historyEvents, long historyBytes, long historyMaxBytes) {

    /** Delivery counts as stuck after this long with no progress, when there is no write deadline. */
    public static final long STUCK_WITHOUT_DEADLINE_NANOS = 30_000_000_000L;

    /**
     * Whether the library can still deliver: heartbeats run, and delivery tasks do not stand still for longer than
     * twice the write deadline (or 30 s without one), which the watch on stalled writes would never allow.
     *
     * @return true if live
     */
    public boolean live() {
        long stuckLimit = writeTimeoutNanos > 0 ? 2 * writeTimeoutNanos : STUCK_WITHOUT_DEADLINE_NANOS;
        return heartbeatsLateNanos == 0 && deliveryStuckNanos <= stuckLimit;
    }
}
