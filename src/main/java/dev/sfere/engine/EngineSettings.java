package dev.sfere.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine is tuned.
 *
 * @param heartbeatInterval  quiet time before a heartbeat comment; zero turns heartbeats off
 * @param queueSize          the most events waiting for one stream
 * @param maxDeliveryThreads the bound of the library's own delivery threads
 * @param maximumSize        the configured bound of the library's store, named in the warning when it is full
 * @param writeTimeout       how long one write may block before its stream is given up as {@code SLOW}; zero
 *                           for no deadline
 * @param resumeWindow       how long after an event a client may resume from it; zero turns resuming off
 * @param historyBytes       the most bytes, estimated, the history of events may hold
 * @param retry              the reconnection delay sent to each client; zero sends none
 */
public record EngineSettings(Duration heartbeatInterval, int queueSize, int maxDeliveryThreads, long maximumSize,
                             Duration writeTimeout, Duration resumeWindow, long historyBytes, Duration retry) {

    /** How long a client may resume from an event unless configured otherwise. */
    public static final Duration DEFAULT_RESUME_WINDOW = Duration.ofMinutes(2);
    /** The most bytes, estimated, the history holds unless configured otherwise. */
    public static final long DEFAULT_HISTORY_BYTES = 4L << 20;
    /** The reconnection delay sent to clients unless configured otherwise. */
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);

    /**
     * Settings with the default resume window, history bound and reconnection delay.
     *
     * @param heartbeatInterval  quiet time before a heartbeat comment; zero turns heartbeats off
     * @param queueSize          the most events waiting for one stream
     * @param maxDeliveryThreads the bound of the library's own delivery threads
     * @param maximumSize        the configured bound of the library's store
     * @param writeTimeout       how long one write may block; zero for no deadline
     */
    public EngineSettings(Duration heartbeatInterval, int queueSize, int maxDeliveryThreads, long maximumSize,
                    Duration writeTimeout) {
        this(heartbeatInterval, queueSize, maxDeliveryThreads, maximumSize, writeTimeout, DEFAULT_RESUME_WINDOW,
                DEFAULT_HISTORY_BYTES, DEFAULT_RETRY);
    }

    /**
     * Checks the settings.
     *
     * @param heartbeatInterval  quiet time before a heartbeat comment; zero turns heartbeats off
     * @param queueSize          the most events waiting for one stream
     * @param maxDeliveryThreads the bound of the library's own delivery threads
     * @param maximumSize        the configured bound of the library's store
     * @param writeTimeout       how long one write may block; zero for no deadline
     * @param resumeWindow       how long after an event a client may resume from it; zero turns resuming off
     * @param historyBytes       the most bytes, estimated, the history of events may hold
     * @param retry              the reconnection delay sent to each client; zero sends none
     * @throws NullPointerException     if a duration is null
     * @throws IllegalArgumentException if the queue size, thread bound or history bound is below 1
     */
    public EngineSettings {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(resumeWindow, "resumeWindow");
        Objects.requireNonNull(retry, "retry");
        if (queueSize < 1 || maxDeliveryThreads < 1 || historyBytes < 1) {
            throw new IllegalArgumentException("queueSize, maxDeliveryThreads and historyBytes must be at least 1,"
                    + " got " + queueSize + ", " + maxDeliveryThreads + " and " + historyBytes);
        }
    }
}
