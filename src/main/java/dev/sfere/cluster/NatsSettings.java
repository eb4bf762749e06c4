package dev.sfere.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the NATS server is and how the directory's JetStream KV bucket is made.
 *
 * @param url       the server, such as {@code nats://127.0.0.1:4222}
 * @param bucket    the KV bucket of the directory; its name also names the subject broadcasts travel on
 * @param maxAge    the longest a crashed instance's keys stay in the directory: entries live three quarters of it
 *                  after their last write, and instances write theirs again every quarter of it
 * @param fileStorage true for file storage, which survives a restart of the server; false for memory
 * @param replicas  the bucket's replicas, in a NATS cluster
 * @param maxBytes  the bucket's size limit in bytes, or -1 for none
 */
public record NatsSettings(String url, String bucket, Duration maxAge, boolean fileStorage, int replicas,
                           long maxBytes) {

    /**
     * Checks the settings.
     *
     * @param url         the server
     * @param bucket      the directory's bucket
     * @param maxAge      the life of an entry after its last refresh
     * @param fileStorage file storage rather than memory
     * @param replicas    the bucket's replicas
     * @param maxBytes    the bucket's size limit, or -1
     * @throws IllegalArgumentException if the max age is under one second, or the replicas are not 1 to 5
     */
    public NatsSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(maxAge, "maxAge");
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

    /** The subject every instance publishes broadcasts to and listens on. */
    String subject() {
        return "sfere.events." + bucket;
    }
}
