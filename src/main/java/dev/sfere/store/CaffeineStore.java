package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
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
 */
final class CaffeineStore extends IndexedStore {

    private final Cache<ConnectionKey, Connection> cache;
    private final Duration duration;
    private final ExpiryMode mode;
    private final long maximumSize;

    private CaffeineStore(Cache<ConnectionKey, Connection> cache, Duration duration, ExpiryMode mode,
                          long maximumSize) {
        super(cache.asMap());
        this.cache = cache;
        this.duration = duration;
        this.mode = mode;
        this.maximumSize = maximumSize;
    }

    static CaffeineStore build(CaffeineStoreBuilder options) {
        long nanos = options.duration().toNanos();
        CaffeineStore[] self = new CaffeineStore[1];
        Caffeine<ConnectionKey, Connection> builder = Caffeine.newBuilder()
                .maximumSize(options.maximumSize())
                .expireAfter(new Expiry<ConnectionKey, Connection>() {
                    @Override
                    public long expireAfterCreate(ConnectionKey key, Connection value, long currentTime) {
                        return nanos;
                    }

                    @Override
                    public long expireAfterUpdate(ConnectionKey key, Connection value, long currentTime,
                                                  long currentDuration) {
                        // An update is a new connection under the key: it gets a lifetime of its own.
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
        self[0] = new CaffeineStore(builder.build(), options.duration(), options.expiryMode(),
                options.maximumSize());
        return self[0];
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
        if (mode == ExpiryMode.SLIDING && peek(key) != null) {
            cache.policy().expireVariably().ifPresent(expiry -> expiry.setExpiresAfter(key, duration));
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
