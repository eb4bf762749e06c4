package dev.sfere.cdi;

import dev.sfere.cluster.NatsSettings;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.store.ExpiryMode;
import jakarta.enterprise.inject.spi.DeploymentException;
import org.eclipse.microprofile.config.Config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The library's MicroProfile Config settings, read and checked in one place. A bad value is refused with a
 * message that names the key, the value and what is allowed.
 */
record SfereConfig(StoreType storeType, Duration storeDuration, long maximumSize, ExpiryMode expiryMode,
                   Duration heartbeatInterval, String defaultScope, int queueSize, int maxDeliveryThreads,
                   Duration writeTimeout, Duration resumeWindow, long resumeMaxBytes, Duration resumeRetry,
                   NatsSettings nats) {

    static final String STORE_TYPE = "sfere.store.type";
    static final String STORE_DURATION = "sfere.store.duration";
    static final String STORE_MAXIMUM_SIZE = "sfere.store.maximum-size";
    static final String STORE_EXPIRY_MODE = "sfere.store.expiry-mode";
    static final String HEARTBEAT_INTERVAL = "sfere.heartbeat.interval";
    static final String SCOPE_DEFAULT = "sfere.scope.default";
    static final String QUEUE_SIZE = "sfere.connection.queue-size";
    static final String DELIVERY_MAX_THREADS = "sfere.delivery.max-threads";
    static final String DELIVERY_WRITE_TIMEOUT = "sfere.delivery.write-timeout";
    static final String RESUME_WINDOW = "sfere.resume.window";
    static final String RESUME_MAX_BYTES = "sfere.resume.max-bytes";
    static final String RESUME_RETRY = "sfere.resume.retry";
    static final String CLUSTER_TYPE = "sfere.cluster.type";
    static final String NATS_URL = "sfere.cluster.nats.url";
    static final String NATS_BUCKET = "sfere.cluster.nats.bucket";
    static final String NATS_MAX_AGE = "sfere.cluster.nats.max-age";
    static final String NATS_STORAGE = "sfere.cluster.nats.storage";
    static final String NATS_REPLICAS = "sfere.cluster.nats.replicas";
    static final String NATS_MAX_BYTES = "sfere.cluster.nats.max-bytes";
    static final String NATS_STREAM = "sfere.cluster.nats.stream";
    static final String NATS_STREAM_MAX_BYTES = "sfere.cluster.nats.stream-max-bytes";
    /** The largest queue size accepted: beyond it, a stalled client could hold a great deal of memory. */
    static final int MAX_QUEUE_SIZE = 1_000_000;
    /** The most delivery threads of the library's own that may be configured. */
    static final int MAX_DELIVERY_THREADS = 10_000;
    /** The longest duration whose nanoseconds fit in a {@code long}, in whole days. */
    static final long MAX_DAYS = Long.MAX_VALUE / 86_400_000_000_000L;

    /** Which store the library produces. */
    enum StoreType { MEMORY, CAFFEINE }

    /** Whether instances share broadcasts and a directory. */
    enum ClusterType { NONE, NATS }

    /** Where the directory's bucket keeps its entries. */
    enum Storage { MEMORY, FILE }

    static SfereConfig from(Config config) {
        SfereConfig read = new SfereConfig(
                choice(config, STORE_TYPE, StoreType.CAFFEINE, StoreType.class),
                duration(config, STORE_DURATION, Duration.ofMinutes(10), false),
                positiveLong(config, STORE_MAXIMUM_SIZE, 10_000),
                choice(config, STORE_EXPIRY_MODE, ExpiryMode.SLIDING, ExpiryMode.class),
                duration(config, HEARTBEAT_INTERVAL, Duration.ofSeconds(15), true),
                scope(config),
                queueSize(config),
                maxDeliveryThreads(config),
                duration(config, DELIVERY_WRITE_TIMEOUT, Duration.ofSeconds(5), true),
                duration(config, RESUME_WINDOW, EngineSettings.DEFAULT_RESUME_WINDOW, true),
                longIn(config, RESUME_MAX_BYTES, EngineSettings.DEFAULT_HISTORY_BYTES, Long.MAX_VALUE,
                        "a whole number of bytes of 1 or more, such as 4194304"),
                duration(config, RESUME_RETRY, EngineSettings.DEFAULT_RETRY, true),
                nats(config));
        Duration heartbeat = read.heartbeatInterval();
        if (read.storeType() == StoreType.CAFFEINE && read.expiryMode() == ExpiryMode.SLIDING && !heartbeat.isZero()
                && read.storeDuration().compareTo(heartbeat.multipliedBy(2)) < 0) {
            // A quiet live stream is renewed about once per heartbeat interval: a shorter window would expire it.
            throw bad(STORE_DURATION, raw(config, STORE_DURATION).orElse(read.storeDuration().toString()),
                    "with sliding expiry, at least twice " + HEARTBEAT_INTERVAL + " (" + heartbeat + "), since "
                            + "heartbeats renew a quiet stream about once per interval; or turn heartbeats off");
        }
        return read;
    }

    private static Optional<String> raw(Config config, String key) {
        return config.getOptionalValue(key, String.class).map(String::trim);
    }

    private static <E extends Enum<E>> E choice(Config config, String key, E fallback, Class<E> type) {
        Optional<String> value = raw(config, key);
        if (value.isEmpty()) {
            return fallback;
        }
        for (E candidate : type.getEnumConstants()) {
            if (candidate.name().toLowerCase(Locale.ROOT).equals(value.get().toLowerCase(Locale.ROOT))) {
                return candidate;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E candidate : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : " or ").append(candidate.name().toLowerCase(Locale.ROOT));
        }
        throw bad(key, value.get(), allowed.toString());
    }

    private static Duration duration(Config config, String key, Duration fallback, boolean zeroAllowed) {
        Optional<String> value = raw(config, key);
        if (value.isEmpty()) {
            return fallback;
        }
        String allowed = zeroAllowed
                ? "an ISO-8601 duration of zero (off) or more, such as PT15S"
                : "a positive ISO-8601 duration, such as PT10M";
        Duration parsed;
        try {
            parsed = Duration.parse(value.get());
        } catch (DateTimeParseException e) {
            throw bad(key, value.get(), allowed);
        }
        if (parsed.isNegative() || (parsed.isZero() && !zeroAllowed)) {
            throw bad(key, value.get(), allowed);
        }
        try {
            // The library counts durations in nanoseconds; past about 292 years that count overflows.
            parsed.toNanos();
        } catch (ArithmeticException e) {
            throw bad(key, value.get(), allowed + ", of at most " + MAX_DAYS + " days");
        }
        return parsed;
    }

    private static long positiveLong(Config config, String key, long fallback) {
        return longIn(config, key, fallback, Long.MAX_VALUE, "a whole number of 1 or more");
    }

    /** A whole number from 1 to a bound; a bad value is refused with the expectation given. */
    private static long longIn(Config config, String key, long fallback, long max, String expected) {
        Optional<String> value = raw(config, key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.get());
            if (parsed > 0 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, value.get(), expected);
    }

    private static int intFromOne(Config config, String key, int fallback, int max) {
        return (int) longIn(config, key, fallback, max, "a whole number from 1 to " + max);
    }

    private static int queueSize(Config config) {
        return intFromOne(config, QUEUE_SIZE, 1000, MAX_QUEUE_SIZE);
    }

    private static int maxDeliveryThreads(Config config) {
        return intFromOne(config, DELIVERY_MAX_THREADS, Engine.DEFAULT_MAX_DELIVERY_THREADS, MAX_DELIVERY_THREADS);
    }

    /** The NATS settings, or null without {@code sfere.cluster.type=nats}. */
    private static NatsSettings nats(Config config) {
        if (choice(config, CLUSTER_TYPE, ClusterType.NONE, ClusterType.class) == ClusterType.NONE) {
            return null;
        }
        String url = raw(config, NATS_URL).orElse("nats://127.0.0.1:4222");
        if (!url.matches("(nats|tls|ws|wss)://[^\\s,]+") || !hasHost(url)) {
            throw bad(NATS_URL, url, "a NATS server address such as nats://127.0.0.1:4222");
        }
        String bucket = raw(config, NATS_BUCKET).orElse("sfere-directory");
        if (!bucket.matches("[A-Za-z0-9_-]{1,64}")) {
            throw bad(NATS_BUCKET, bucket, "a bucket name of 1 to 64 letters, digits, - or _");
        }
        Duration maxAge = duration(config, NATS_MAX_AGE, Duration.ofSeconds(30), false);
        if (maxAge.compareTo(Duration.ofSeconds(1)) < 0) {
            throw bad(NATS_MAX_AGE, raw(config, NATS_MAX_AGE).orElse(""), "a duration of one second or more");
        }
        Storage storage = choice(config, NATS_STORAGE, Storage.MEMORY, Storage.class);
        long replicas = positiveLong(config, NATS_REPLICAS, 1);
        if (replicas > 5) {
            throw bad(NATS_REPLICAS, raw(config, NATS_REPLICAS).orElseThrow(), "1 to 5");
        }
        String stream = raw(config, NATS_STREAM).orElse(bucket + "-log");
        if (!stream.matches("[A-Za-z0-9_-]{1,80}")) {
            throw bad(NATS_STREAM, stream, "a stream name of 1 to 80 letters, digits, - or _");
        }
        // The log keeps what a client may resume from; with resuming off, what an instance cut off briefly
        // catches up from.
        Duration window = duration(config, RESUME_WINDOW, EngineSettings.DEFAULT_RESUME_WINDOW, true);
        Duration retention = window.isZero() ? NatsSettings.DEFAULT_RETENTION
                : window.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : window;
        return new NatsSettings(url, bucket, maxAge, storage == Storage.FILE, (int) replicas,
                bytesOrNone(config, NATS_MAX_BYTES), stream, retention, bytesOrNone(config, NATS_STREAM_MAX_BYTES));
    }

    /** A size limit in bytes, or -1 (the default) for none. */
    private static long bytesOrNone(Config config, String key) {
        String text = raw(config, key).orElse("-1");
        long bytes;
        try {
            bytes = Long.parseLong(text);
        } catch (NumberFormatException e) {
            bytes = 0;
        }
        if (bytes == 0 || bytes < -1) {
            throw bad(key, text, "-1 (no limit) or a whole number of bytes of 1 or more");
        }
        return bytes;
    }

    /**
     * Whether an address has a host (and a numeric port, if any), as the NATS client requires: one it cannot parse
     * would otherwise fail only as the application starts, with the client's message and no key named.
     */
    private static boolean hasHost(String url) {
        try {
            return new java.net.URI(url).getHost() != null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static String scope(Config config) {
        String value = raw(config, SCOPE_DEFAULT).orElse("default");
        try {
            dev.sfere.ConnectionKey.of(value, "check", "check");
        } catch (IllegalArgumentException e) {
            throw bad(SCOPE_DEFAULT, value, "a valid key part (" + e.getMessage() + ")");
        }
        return value;
    }

    private static DeploymentException bad(String key, String value, String allowed) {
        return Problems.badConfiguration(key, value, allowed);
    }
}
