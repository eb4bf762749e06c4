package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A Caffeine clock that moves only when a test says so. Thread-safe. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong();

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves the clock forward. */
    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
