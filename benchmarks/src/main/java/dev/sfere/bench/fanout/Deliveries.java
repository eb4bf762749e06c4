package dev.sfere.bench.fanout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The count of events every client has received, and the moment it reached a target: the client threads add, the
 * measuring thread sets a target and waits. The time is taken on the client thread that counts the last event, so
 * waking the measuring thread is not part of it.
 */
final class Deliveries {

    private final AtomicLong total = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile long reachedNanos;
    /** The target {@link #reachedNanos} is for, written after it: the count alone can run ahead of the time. */
    private volatile long reachedGoal = -1;
    private volatile Thread waiter;

    void add(long events) {
        long now = total.addAndGet(events);
        long goal = target;
        if (now >= goal && now - events < goal) {
            reachedNanos = System.nanoTime();
            reachedGoal = goal;
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    long total() {
        return total.get();
    }

    /** Sets the next target; call before the broadcast that should reach it. */
    void expect(long goal) {
        waiter = Thread.currentThread();
        reachedGoal = -1;
        target = goal;
        if (total.get() >= goal) {
            // Reached before it was asked for (a window wait): now is the best answer.
            reachedNanos = System.nanoTime();
            reachedGoal = goal;
        }
    }

    /**
     * Waits until the total reaches the target set by {@link #expect}.
     *
     * @return when the client thread counted the event that reached it, in {@link System#nanoTime()}
     * @throws IllegalStateException if it takes longer than the timeout
     */
    long await(long timeoutMillis) {
        long goal = target;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        // Not the count: it reaches the target just before the thread that got there notes the time.
        while (reachedGoal != goal) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("delivery stalled: " + total.get() + " of " + goal + " events after "
                        + timeoutMillis + " ms");
            }
            LockSupport.parkNanos(this, 1_000_000);
        }
        return reachedNanos;
    }
}
