package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.spi.Connection;

import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Caffeine store: a bounded cache with sliding or fixed expiry, kept in step with the indexes.
 *
 * <p>Sliding expiry is Caffeine's expire-after-access and fixed expiry its expire-after-write, and every read of
 * the store is one that Caffeine does not count as an access ({@code Policy.getIfPresentQuietly}, or the indexes):
 * so creating or replacing an entry starts a full lifetime, a read never changes it, and {@link #touch} (a read
 * that counts) restarts it in sliding mode only. This is what keeps a broadcast, which reads every recipient, from
 * renewing their lifetimes all at once.
 *
 * <p>Evictions are taken out of the indexes synchronously (Caffeine's eviction listener runs inside the entry's
 * lock) and queued; the removal listeners are told afterwards, outside that lock, on the configured executor, which
 * also runs Caffeine's maintenance: right after the maintenance task that evicted them, or, for an expired entry that
 * the store's own compute came across, in a task the store hands the executor after that compute. The store's own
 * removals (replacements and purges) are told by the store itself, so the cache has no removal listener, which
 * would cost a task on the executor for every purge.
 *
 * <p>Caffeine hides an expired entry at once but removes it, and so takes it out of the indexes, only when its
 * maintenance runs. So each connection's record also holds when its lifetime began, read from the same ticker
 * within the store's compute and after each renewing {@link #touch}; a pattern walk applies Caffeine's own test
 * to it, with the ticker read once per walk, instead of asking the cache about each candidate.
 */
final class CaffeineStore extends IndexedStore {

    private final Cache<ConnectionKey, Connection> cache;
    private final Duration duration;
    private final long nanos;
    private final ExpiryMode mode;
    private final long maximumSize;
    private final Ticker ticker;
    private final Executor executor;
    /** Evictions taken out of the indexes whose removal listeners are still to be told. */
    private final Queue<Evicted> evicted;
    /** Whether a task that tells queued evictions is on the executor and has not started yet. */
    private final AtomicBoolean tellingScheduled = new AtomicBoolean();
    /** Whether a maintenance run for a cache over its maximum size is on the executor and has not started yet. */
    private final AtomicBoolean trimScheduled = new AtomicBoolean();

    private CaffeineStore(Cache<ConnectionKey, Connection> cache, CaffeineStoreBuilder options,
            Queue<Evicted> evicted) {
        super(cache.asMap());
        this.cache = cache;
        this.executor = options.executor();
        this.evicted = evicted;
        this.duration = options.duration();
        this.nanos = saturatedNanos(options.duration());
        this.mode = options.expiryMode();
        this.maximumSize = options.maximumSize();
        this.ticker = options.ticker();
    }

    /** A connection's record, with the ticker's time when the connection's current lifetime began. */
    static final class Timed extends Held {
        volatile long since;

        Timed(ConnectionIndex owner, ConnectionKey key) {
            super(owner, key);
        }
    }

    /** An eviction whose removal listeners are still to be told. */
    private record Evicted(ConnectionKey key, Connection connection, EvictionCause cause) {
    }

    /** A duration in nanoseconds, as Caffeine counts it: one too long for a {@code long} is the longest one. */
    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static CaffeineStore build(CaffeineStoreBuilder options) {
        CaffeineStore[] self = new CaffeineStore[1];
        Queue<Evicted> evicted = new ConcurrentLinkedQueue<>();
        Executor executor = options.executor();
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(options.maximumSize());
        if (options.expiryMode() == ExpiryMode.SLIDING) {
            builder.expireAfterAccess(options.duration());
        } else {
            builder.expireAfterWrite(options.duration());
        }
        Cache<ConnectionKey, Connection> cache = builder
                .ticker(options.ticker())
                .scheduler(options.scheduler())
                // Caffeine's maintenance evicts; the evictions it queued are told once it has let go of its locks.
                .executor(task -> executor.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        self[0].tellEvicted();
                    }
                }))
                .<ConnectionKey, Connection>evictionListener((key, value, cause) -> {
                    // Inside the entry's lock: no listener code here, which could call back into the cache.
                    if (key != null && value != null) {
                        self[0].index.remove(key, value);
                        evicted.add(new Evicted(key, value, toEvictionCause(cause)));
                    }
                })
                .build();
        self[0] = new CaffeineStore(cache, options, evicted);
        return self[0];
    }

    /**
     * Tells the removal listeners the queued evictions; call outside the cache's locks. Several callers may drain
     * the queue at once, each eviction being told once.
     */
    private void tellEvicted() {
        for (Evicted e = evicted.poll(); e != null; e = evicted.poll()) {
            notifyRemoval(e.key(), e.connection(), e.cause());
        }
    }

    /**
     * After the store's own compute, which may have come across an expired entry: hands the telling of queued
     * evictions to the executor, where the listeners of evictions always run; and if the cache holds more than its
     * maximum size, a maintenance run. The common case costs two reads.
     */
    @Override
    void afterChange() {
        trimIfOverfull();
        tellLater();
    }

    /** Hands the telling of queued evictions to the executor, unless a task for it waits there already. */
    private void tellLater() {
        if (!evicted.isEmpty()) {
            runOnce(tellingScheduled, this::tellEvicted);
        }
    }

    /**
     * Hands work to the executor unless a task for it waits there already (the flag says so, and is cleared as the
     * task starts, so work that comes during a run is not lost); runs it here if the executor refuses it.
     */
    private void runOnce(AtomicBoolean scheduled, Runnable work) {
        if (!scheduled.compareAndSet(false, true)) {
            return;
        }
        Runnable task = () -> {
            scheduled.set(false);
            work.run();
        };
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * Caffeine evicts for size in its maintenance, which writes schedule; but a write that comes while a maintenance
     * run is under way only marks another as needed, and it then waits for the cache's next counted access. Reads of
     * the store do not count, so in a quiet application a full store could keep open streams beyond its maximum
     * size until the next heartbeat round (measured: 8 streams in a store of 2 for 7.5 s, with the default
     * heartbeat interval). So a store that finds the cache over its size asks for a run itself.
     */
    private void trimIfOverfull() {
        if (cache.estimatedSize() > maximumSize) {
            runOnce(trimScheduled, () -> {
                // Not cleanUp(), whose afterChange would look at the size again: on an executor that runs tasks on
                // the calling thread, with other threads storing meanwhile, that asked for a run inside this one,
                // again and again until the stack overflowed. A store landing during this run checks the size after
                // its own write.
                cache.cleanUp();
                tellLater();
            });
        }
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
    Held record(ConnectionKey key) {
        return new Timed(index, key);
    }

    @Override
    void entering(Held held) {
        // Inside the compute that creates or replaces the entry, where Caffeine reads the ticker too.
        ((Timed) held).since = ticker.read();
    }

    @Override
    long now() {
        return ticker.read();
    }

    @Override
    boolean isLive(Held held, long now) {
        // Caffeine's own test: an entry has expired once its duration has fully passed.
        return now - ((Timed) held).since < nanos;
    }

    @Override
    Connection peek(ConnectionKey key) {
        return cache.policy().getIfPresentQuietly(key);
    }

    @Override
    boolean indexIsExact() {
        return false;
    }

    /**
     * Caffeine hides an expired entry at once but removes it only in its maintenance, so a connection whose entry
     * expired still carries its record until then. Running the maintenance now removes it (and any other expired
     * entry), through the eviction listener, which clears the record; the removal is told as usual.
     */
    @Override
    boolean removeIfExpired(Held held, Connection connection) {
        cleanUp();
        return !Claims.carries(connection, held);
    }

    @Override
    public void touch(ConnectionKey key) {
        Objects.requireNonNull(key, "key");
        if (mode == ExpiryMode.SLIDING) {
            // A read that counts as an access restarts the idle time, and does nothing to an expired entry.
            Connection connection = cache.getIfPresent(key);
            if (connection != null && index.held(connection) instanceof Timed timed) {
                // Read after Caffeine's own reading, so a walk never hides the connection before Caffeine would.
                timed.since = ticker.read();
            }
        }
    }

    /** Runs pending maintenance (expiry, size eviction) now, on the calling thread. */
    void cleanUp() {
        cache.cleanUp();
        afterChange();
    }

    @Override
    public String toString() {
        return "CaffeineStore[mode=" + mode + ", duration=" + duration + ", maximumSize=" + maximumSize
                + ", size=" + cache.estimatedSize() + "]";
    }
}
