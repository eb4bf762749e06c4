package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.spi.Connection;

import java.time.Duration;

/**
 * The Caffeine store: a bounded cache with sliding or fixed expiry, kept in step with the indexes.
 *
 * <p>Expiry is driven by an explicit {@link Expiry}: creating or replacing an entry starts a full lifetime, a read
 * never changes it, and {@link #touch} restarts it in sliding mode only. This is what keeps a broadcast, which
 * reads every recipient, from renewing their lifetimes all at once.
 *
 * <p>Evictions are taken out of the indexes synchronously (Caffeine's eviction listener runs inside the entry's
 * lock) and told to the removal listeners afterwards, on the configured executor.
 *
 * <p>Caffeine hides an expired entry at once but removes it, and so takes it out of the indexes, only when its
 * maintenance runs. So each connection's record also holds the time its entry expires, set from the same clock
 * reading Caffeine uses when the entry is created or replaced, and from the ticker when {@link #touch} renews it; a
 * pattern walk compares that time with the ticker, read once per walk, instead of asking the cache about each
 * candidate.
 */
final class CaffeineStore extends IndexedStore {

    /** Caffeine's own cap on a variable expiry, about 146 years: a longer duration is cut to it. */
    private static final long MAXIMUM_EXPIRY_NANOS = Long.MAX_VALUE >> 1;

    private final Cache<ConnectionKey, Connection> cache;
    private final Duration duration;
    private final long nanos;
    private final ExpiryMode mode;
    private final long maximumSize;
    private final Ticker ticker;

    private CaffeineStore(Cache<ConnectionKey, Connection> cache, CaffeineStoreBuilder options) {
        super(cache.asMap());
        this.cache = cache;
        this.duration = options.duration();
        this.nanos = lifetime(options);
        this.mode = options.expiryMode();
        this.maximumSize = options.maximumSize();
        this.ticker = options.ticker();
    }

    /** A connection's record, with the time its entry expires in the ticker's nanoseconds. */
    static final class Timed extends ConnectionIndex.Held {
        volatile long expiresAt;

        Timed(ConnectionIndex owner, ConnectionKey key) {
            super(owner, key);
        }
    }

    private static long lifetime(CaffeineStoreBuilder options) {
        return Math.min(options.duration().toNanos(), MAXIMUM_EXPIRY_NANOS);
    }

    static CaffeineStore build(CaffeineStoreBuilder options) {
        long nanos = lifetime(options);
        CaffeineStore[] self = new CaffeineStore[1];
        Caffeine<ConnectionKey, Connection> builder = Caffeine.newBuilder()
                .maximumSize(options.maximumSize())
                .expireAfter(new Expiry<ConnectionKey, Connection>() {
                    @Override
                    public long expireAfterCreate(ConnectionKey key, Connection value, long currentTime) {
                        self[0].expiresAt(value, currentTime + nanos);
                        return nanos;
                    }

                    @Override
                    public long expireAfterUpdate(ConnectionKey key, Connection value, long currentTime,
                                                  long currentDuration) {
                        // An update is a new connection under the key: it gets a lifetime of its own.
                        self[0].expiresAt(value, currentTime + nanos);
                        return nanos;
                    }

                    @Override
                    public long expireAfterRead(ConnectionKey key, Connection value, long currentTime,
                                                long currentDuration) {
                        return currentDuration;
                    }
                })
                .ticker(options.ticker())
                .scheduler(options.scheduler())
                .executor(options.executor())
                .evictionListener((ConnectionKey key, Connection value, RemovalCause cause) -> {
                    if (key != null && value != null) {
                        self[0].index.remove(key, value);
                    }
                })
                .removalListener((ConnectionKey key, Connection value, RemovalCause cause) -> {
                    if (cause.wasEvicted() && key != null && value != null) {
                        self[0].notifyRemoval(key, value, toEvictionCause(cause));
                    }
                });
        self[0] = new CaffeineStore(builder.build(), options);
        return self[0];
    }

    /** Notes when a connection's entry expires, as Caffeine computed it. */
    private void expiresAt(Connection connection, long time) {
        if (index.held(connection) instanceof Timed timed) {
            timed.expiresAt = time;
        }
    }

    @Override
    ConnectionIndex.Held record(ConnectionKey key) {
        return new Timed(index, key);
    }

    @Override
    long now() {
        return ticker.read();
    }

    @Override
    boolean isLive(ConnectionIndex.Held held, long now) {
        // Caffeine's own test: an entry has expired once its expiry time is not after now.
        return ((Timed) held).expiresAt - now > 0;
    }

    private static EvictionCause toEvictionCause(RemovalCause cause) {
        return switch (cause) {
            case EXPIRED -> EvictionCause.EXPIRED;
            case SIZE -> EvictionCause.SIZE;
            case COLLECTED -> EvictionCause.COLLECTED;
            case EXPLICIT -> EvictionCause.EXPLICIT;
            case REPLACED -> EvictionCause.REPLACED;
        };
    }

    @Override
    Connection peek(ConnectionKey key) {
        return cache.policy().getIfPresentQuietly(key);
    }

    @Override
    boolean indexIsExact() {
        return false;
    }

    @Override
    public void touch(ConnectionKey key) {
        if (mode == ExpiryMode.SLIDING) {
            if (peek(key) != null) {
                cache.policy().expireVariably().ifPresent(expiry -> expiry.setExpiresAfter(key, duration));
                // Read after Caffeine's own reading, so a walk never hides the connection before Caffeine would;
                // and only if Caffeine renewed the entry rather than finding it expired.
                long now = ticker.read();
                Connection connection = peek(key);
                if (connection != null) {
                    expiresAt(connection, now + nanos);
                }
            }
        }
    }

    /** Runs pending maintenance (expiry, size eviction) now; for tests with a fake ticker. */
    void cleanUp() {
        cache.cleanUp();
    }

    @Override
    public String toString() {
        return "CaffeineStore[mode=" + mode + ", duration=" + duration + ", maximumSize=" + maximumSize
                + ", size=" + cache.estimatedSize() + "]";
    }
}
