package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sfere.spi.ConnectionStore;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Options of a Caffeine-backed {@link ConnectionStore}; get one from {@link Stores#caffeine()}. Defaults match the
 * library's configuration defaults: 10 minutes, 10,000 connections, sliding expiry, the system scheduler (so
 * expiry happens without traffic), the system ticker, and the common pool for removal notifications.
 *
 * <p>Not thread-safe: configure it on one thread, then call {@link #build()}.
 */
public final class CaffeineStoreBuilder {

    private Duration duration = Duration.ofMinutes(10);
    private long maximumSize = 10_000;
    private ExpiryMode expiryMode = ExpiryMode.SLIDING;
    private Ticker ticker = Ticker.systemTicker();
    private Scheduler scheduler = Scheduler.systemScheduler();
    private Executor executor = ForkJoinPool.commonPool();

    CaffeineStoreBuilder() {
    }

    /**
     * The idle time (sliding) or the lifetime (fixed) of a connection.
     *
     * @param duration a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the duration is zero or negative
     */
    public CaffeineStoreBuilder duration(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        this.duration = duration;
        return this;
    }

    /**
     * The most connections kept; beyond it, Caffeine evicts some with cause {@code SIZE}.
     *
     * @param maximumSize a positive number
     * @return this builder
     * @throws IllegalArgumentException if it is zero or negative
     */
    public CaffeineStoreBuilder maximumSize(long maximumSize) {
        if (maximumSize <= 0) {
            throw new IllegalArgumentException("maximumSize must be positive, got " + maximumSize);
        }
        this.maximumSize = maximumSize;
        return this;
    }

    /**
     * How the duration is counted.
     *
     * @param expiryMode sliding or fixed
     * @return this builder
     */
    public CaffeineStoreBuilder expiryMode(ExpiryMode expiryMode) {
        this.expiryMode = Objects.requireNonNull(expiryMode, "expiryMode");
        return this;
    }

    /**
     * The time source, for tests with a fake clock.
     *
     * @param ticker the ticker
     * @return this builder
     */
    public CaffeineStoreBuilder ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * What wakes the cache up to expire entries when no traffic does. {@link Scheduler#disabledScheduler()} leaves
     * expiry to the next cache operation.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public CaffeineStoreBuilder scheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Where maintenance and expiry/size removal notifications run. In an application server, pass a managed
     * executor.
     *
     * @param executor the executor
     * @return this builder
     */
    public CaffeineStoreBuilder executor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /**
     * Builds a new, empty store.
     *
     * @return the store
     */
    public ConnectionStore build() {
        return CaffeineStore.build(this);
    }

    Duration duration() {
        return duration;
    }

    long maximumSize() {
        return maximumSize;
    }

    ExpiryMode expiryMode() {
        return expiryMode;
    }

    Ticker ticker() {
        return ticker;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Executor executor() {
        return executor;
    }
}
