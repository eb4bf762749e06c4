package dev.sfere.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the writes of the library's delivery threads, so that a client that stops reading costs the others
 * nothing. A runtime's {@code SseEventSink.send} blocks once such a client's buffers are full, holding the thread
 * until the runtime's own write time-out (by default 60 s on Open Liberty, 30 s in Grizzly on Payara). So:
 * <ul>
 *   <li>a write in progress for {@link #STALL_NANOS} is counted as stalled: its thread no longer counts against the
 *       pool, which starts a thread for every task waiting behind it at once
 *       ({@link DeliveryThreads.DeliveryPool#stalled});
 *   <li>a write in progress for the write deadline ({@code sfere.delivery.write-timeout}) gives its stream up as
 *       {@code SLOW} and interrupts the writing thread, again every {@link InFlight#REINTERRUPT_NANOS} until the
 *       write returns. That releases a write blocked in Grizzly's output buffer (Jersey on Grizzly, and Payara, where
 *       the close that follows blocks once more and needs the second interrupt), so the thread comes back long
 *       before the runtime's time-out. Open Liberty's write may go back to waiting after each interrupt: there the
 *       thread may come back only at the runtime's own write time-out, outside the pool's bound (docs/DELIVERY.md).
 * </ul>
 *
 * <p>Each delivery thread has a slot naming the stream it writes; a round ({@link #tick()}) looks at the slots, not
 * at every stream. Thread-safe; rounds run on the library's scheduler.
 */
final class WriteWatch {

    /** How long a write may take before its thread is no longer counted as available: far beyond a healthy one. */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How often the slots are looked at. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final Logger LOG = Logger.getLogger(WriteWatch.class.getName());
    private static final ThreadLocal<Slot> CURRENT = new ThreadLocal<>();

    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final long deadlineNanos;
    private volatile DeliveryThreads.DeliveryPool pool;

    /** One delivery thread's place: the stream it is writing to, if any. */
    static final class Slot {
        private final WriteWatch watch;
        /** The stream whose queue the thread drains, while it does. */
        volatile Stream stream;

        private Slot(WriteWatch watch) {
            this.watch = watch;
        }

        /** The write that stalled on this thread returned. */
        void recovered() {
            DeliveryThreads.DeliveryPool current = watch.pool;
            if (current != null) {
                current.recovered();
            }
        }
    }

    /**
     * A watch that gives a stream up after a write has blocked for a deadline.
     *
     * @param deadlineNanos the write deadline; 0 for none (stalled writes still cost no shared thread)
     */
    WriteWatch(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    void attach(DeliveryThreads.DeliveryPool watched) {
        this.pool = watched;
    }

    /** The slot of the current thread, or null when it is not a watched delivery thread. */
    static Slot current() {
        return CURRENT.get();
    }

    /** Threads from {@code factory} that each carry a slot while they run. */
    ThreadFactory slotted(ThreadFactory factory) {
        return work -> factory.newThread(() -> {
            Slot slot = new Slot(this);
            slots.add(slot);
            CURRENT.set(slot);
            try {
                work.run();
            } finally {
                CURRENT.remove();
                slots.remove(slot);
            }
        });
    }

    /**
     * One round: marks writes that stalled, gives up streams past the deadline. Never throws: a periodic task that
     * throws is never run again, and without the watch stalled writes would hold the pool.
     */
    void tick() {
        try {
            long now = System.nanoTime();
            int stalled = 0;
            for (Slot slot : slots) {
                Stream stream = slot.stream;
                if (stream != null && stream.checkWrite(now, STALL_NANOS, deadlineNanos)) {
                    stalled++;
                }
            }
            DeliveryThreads.DeliveryPool current = pool;
            if (current != null && (stalled > 0 || current.surging())) {
                current.stalled(stalled);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: a round of the write watch failed", e);
        }
    }
}
