package dev.sfere.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the NATS server is, how the directory's JetStream KV bucket is made, and how the log is: the JetStream stream
 * that carries every broadcast and direct send, in one order, for every instance.
 *
 * @param url       the server, such as {@code nats://127.0.0.1:4222}
 * @param bucket    the KV bucket of the directory; its name also names the subject broadcasts travel on
 * @param maxAge    the longest a crashed instance's keys stay in the directory: entries live three quarters of it
 *                  after their last write, and instances write theirs again every quarter of it
 * @param fileStorage true for file storage, which survives a restart of the server; false for memory
 * @param replicas  the bucket's replicas, in a NATS cluster
 * @param maxBytes  the bucket's size limit in bytes, or -1 for none
 * @param stream    the log's stream, with the same storage and replicas as the bucket
 * @param retention how long the log keeps a message: the resume window
 * @param streamMaxBytes the log's size limit in bytes, or -1 for none; past it the oldest messages go
 */
public record NatsSettings(String url, String bucket, Duration maxAge, boolean fileStorage, int replicas,
                           long maxBytes, String stream, Duration retention, long streamMaxBytes) {

    /** The log's retention when none is given: the library's default resume window. */
    public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(2);

    /**
     * Settings with the log's defaults: the stream {@code <bucket>-log}, kept {@link #DEFAULT_RETENTION}, with no
     * size limit.
     *
     * @param url         the server
     * @param bucket      the directory's bucket
     * @param maxAge      the life of an entry after its last refresh
     * @param fileStorage file storage rather than memory
     * @param replicas    the bucket's replicas
     * @param maxBytes    the bucket's size limit, or -1
     */
    public NatsSettings(String url, String bucket, Duration maxAge, boolean fileStorage, int replicas,
                        long maxBytes) {
        this(url, bucket, maxAge, fileStorage, replicas, maxBytes, bucket + "-log", DEFAULT_RETENTION, -1);
    }

    /**
     * Checks the settings.
     *
     * @param url         the server
     * @param bucket      the directory's bucket
     * @param maxAge      the life of an entry after its last refresh
     * @param fileStorage file storage rather than memory
     * @param replicas    the bucket's replicas
     * @param maxBytes    the bucket's size limit, or -1
     * @param stream      the log's stream
     * @param retention   how long the log keeps a message
     * @param streamMaxBytes the log's size limit, or -1
     * @throws IllegalArgumentException if the max age or the retention is under one second, the replicas are not
     *                                  1 to 5, or the stream's name is not 1 to 80 letters, digits, - or _
     */
    public NatsSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(retention, "retention");
        if (!stream.matches("[A-Za-z0-9_-]{1,80}")) {
            throw new IllegalArgumentException("stream must be 1 to 80 letters, digits, - or _, got \"" + stream
                    + "\"");
        }
        if (retention.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("retention must be at least one second, got " + retention);
        }
        if (maxAge.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("maxAge must be at least one second, got " + maxAge);
        }
        if (replicas < 1 || replicas > 5) {
            throw new IllegalArgumentException("replicas must be 1 to 5, got " + replicas);
        }
    }

    /** How long an entry lives after its last write: three quarters of the max age. */
    Duration entryTtl() {
        return maxAge.multipliedBy(3).dividedBy(4);
    }

    /** The subject every instance publishes broadcasts to, and the log's stream holds. */
    String subject() {
        return "sfere.events." + bucket + ".log";
    }
}
