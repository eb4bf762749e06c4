package dev.sfere.engine;

/**
 * The delivery write a stream has in progress, as the {@link WriteWatch} sees it: when it began, which thread makes
 * it, whether it was counted as stalled, and whether its thread was interrupted. Thread-safe (its own lock, never
 * held while writing).
 *
 * <p>A late write's thread is interrupted again every {@link #REINTERRUPT_NANOS} while that write is still in
 * progress. One interrupt is not always enough: on Payara it ends the blocked flush, but Jersey's
 * {@code ChunkedOutput} then closes the response on the same thread, and that flush blocks again until Grizzly's own
 * write time-out (30 s) unless interrupted once more (docs/DELIVERY.md).
 */
final class InFlight {

    /** How often the thread of a write found late is interrupted again while that write is still in progress. */
    static final long REINTERRUPT_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    /** When the write began, in {@link System#nanoTime()}; 0 when none. Read without the lock first. */
    private volatile long started;
    private Thread writer;
    private boolean stalled;
    private boolean interrupted;
    /** When the writer was last interrupted, in {@link System#nanoTime()}; meaningful only while interrupted. */
    private long interruptedAt;

    /** The current thread begins a write. */
    synchronized void begin() {
        writer = Thread.currentThread();
        started = System.nanoTime();
    }

    /**
     * The current thread's write returned: clears an interrupt the watch made for it (the thread goes on to other
     * streams).
     *
     * @return whether the write had been counted as stalled
     */
    synchronized boolean end() {
        writer = null;
        started = 0;
        if (interrupted) {
            interrupted = false;
            Thread.interrupted();
        }
        boolean wasStalled = stalled;
        stalled = false;
        return wasStalled;
    }

    /**
     * Runs something that may block like a write (closing a stream whose client stopped reading) as a write of this
     * stream on the current delivery thread: if it blocks, the thread counts as stalled and is interrupted past the
     * deadline, instead of holding the pool.
     *
     * @param slot   the delivery thread's slot, or null off the delivery threads (then it just runs)
     * @param stream the stream it is for
     * @param action what to run
     */
    void watch(WriteWatch.Slot slot, Stream stream, Runnable action) {
        if (slot == null) {
            action.run();
            return;
        }
        slot.stream = stream;
        begin();
        try {
            action.run();
        } finally {
            boolean recovered = end();
            slot.stream = null;
            if (recovered) {
                slot.recovered();
            }
        }
    }

    /** What {@link #look} found. */
    enum Finding {
        /** No write, or one within bounds, or one already counted and not yet late. */
        NOTHING(false, false),
        /** A write in progress for the stall time, counted now. */
        STALLED(true, false),
        /** A write counted before, now past the deadline. */
        LATE(false, true),
        /** A write past the deadline at the first look: counted and late at once. */
        STALLED_AND_LATE(true, true);

        final boolean newlyStalled;
        final boolean late;

        Finding(boolean newlyStalled, boolean late) {
            this.newlyStalled = newlyStalled;
            this.late = late;
        }
    }

    /**
     * Looks at the write in progress. A write is found late once; after its first interrupt
     * ({@link #interruptLate}), each later look interrupts its thread again once {@link #REINTERRUPT_NANOS} have
     * passed, until the write returns.
     *
     * @param now           the time now, in {@link System#nanoTime()}
     * @param stallNanos    how long makes a write stalled
     * @param deadlineNanos how long makes it late; 0 for never
     */
    Finding look(long now, long stallNanos, long deadlineNanos) {
        long began = started;
        if (began == 0 || now - began < stallNanos) {
            return Finding.NOTHING;
        }
        synchronized (this) {
            if (writer == null || started != began) {
                return Finding.NOTHING;
            }
            if (interrupted) {
                if (now - interruptedAt >= REINTERRUPT_NANOS) {
                    interruptedAt = now;
                    writer.interrupt();
                }
                return Finding.NOTHING;
            }
            boolean newlyStalled = !stalled;
            stalled = true;
            boolean late = deadlineNanos > 0 && now - began >= deadlineNanos;
            interrupted = late;
            interruptedAt = now;
            if (late) {
                return newlyStalled ? Finding.STALLED_AND_LATE : Finding.LATE;
            }
            return newlyStalled ? Finding.STALLED : Finding.NOTHING;
        }
    }

    /** Interrupts the thread of the write that {@link #look} found late, if it still makes that write. */
    synchronized void interruptLate() {
        if (writer != null && interrupted) {
            interruptedAt = System.nanoTime();
            writer.interrupt();
        }
    }
}
