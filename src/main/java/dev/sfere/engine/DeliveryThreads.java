package dev.sfere.engine;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Where the library's work runs. Events are written by the library's own delivery pool, whose threads come from the
 * container's default managed thread factory when it has one (Jakarta Concurrency), otherwise daemon threads named
 * {@code sfere-delivery-...}: the pool must grow past a write that a client who stopped reading blocks
 * ({@link WriteWatch}), which a container's executor cannot be asked to do. Heartbeats and the watch run on the
 * container's default managed scheduled executor, else on a thread of the library's own. The library's own threads
 * stop with the application.
 */
final class DeliveryThreads {

    private static final Logger LOG = Logger.getLogger(DeliveryThreads.class.getName());
    private static final String MANAGED_SCHEDULED = "java:comp/DefaultManagedScheduledExecutorService";
    private static final String MANAGED_THREADS = "java:comp/DefaultManagedThreadFactory";
    /**
     * The most delivery threads not stalled in a write, unless {@code sfere.delivery.max-threads} says otherwise. A
     * write slowed by a busy client can take a while, so there can be more than cores; threads stalled on a client
     * that stopped reading ({@link WriteWatch}) do not count; idle ones end after a while.
     */
    static final int MAX_DELIVERY_THREADS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
    /**
     * How many delivery threads run while the queue of writes keeps moving. More threads than this on a burst of
     * writes only take turns on the cores: measured on 2 cores, a broadcast to 1,000 and 5,000 streams reached the
     * last of them 11–12% sooner on 4 threads than on 16 (docs/BENCHMARKS.md, change M).
     */
    static final int BUSY_DELIVERY_THREADS = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
    /** How long the queue of writes may stand still, every thread busy, before another thread is started. */
    static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ScheduledExecutorService scheduler;
    private final DeliveryPool delivery;
    private final boolean ownScheduler;
    /** Checks the delivery threads for a queue that stands still. */
    private final ScheduledFuture<?> watchdog;
    /** Looks at the writes in progress. */
    private final ScheduledFuture<?> writes;

    private DeliveryThreads(ScheduledExecutorService scheduler, boolean ownScheduler, DeliveryPool delivery,
                            WriteWatch watch) {
        this.scheduler = scheduler;
        this.ownScheduler = ownScheduler;
        this.delivery = delivery;
        this.watchdog = every(STUCK_NANOS / 2, delivery::startAnotherIfStuck);
        this.writes = every(WriteWatch.TICK_NANOS, watch::tick);
    }

    /**
     * Starts the library's threads, finding the container's where it has them.
     *
     * @param maxDeliveryThreads the bound of delivery threads not stalled in a write
     * @param writeDeadlineNanos how long a write may block before its stream is given up as {@code SLOW}; 0 for no
     *                           deadline
     */
    static DeliveryThreads start(int maxDeliveryThreads, long writeDeadlineNanos) {
        ScheduledExecutorService managedScheduler = lookup(MANAGED_SCHEDULED, ScheduledExecutorService.class);
        ThreadFactory managedThreads = lookup(MANAGED_THREADS, ThreadFactory.class);
        ScheduledExecutorService scheduler = managedScheduler != null ? managedScheduler
                : Executors.newSingleThreadScheduledExecutor(daemons("sfere-heartbeat"));
        WriteWatch watch = new WriteWatch(writeDeadlineNanos);
        DeliveryPool delivery = watchedPool(watch, maxDeliveryThreads,
                managedThreads != null ? managedThreads : daemons("sfere-delivery"));
        return new DeliveryThreads(scheduler, managedScheduler == null, delivery, watch);
    }

    /** A delivery pool whose threads the watch looks at; its rounds are for the caller to run. */
    static DeliveryPool watchedPool(WriteWatch watch, int maxDeliveryThreads, ThreadFactory threads) {
        DeliveryPool delivery = new DeliveryPool(new HandOff(), new AtomicInteger(), STUCK_NANOS, maxDeliveryThreads,
                watch.slotted(threads));
        watch.attach(delivery);
        return delivery;
    }

    /** A delivery pool watched by {@code watch}, on daemon threads of its own; for tests. */
    static DeliveryPool watchedPool(WriteWatch watch, int maxDeliveryThreads) {
        return watchedPool(watch, maxDeliveryThreads, daemons("sfere-delivery"));
    }

    /**
     * Delivery threads of the library's own, started only when no idle one can take a task. A task goes to an idle
     * thread if there is one; else to a new thread while there are fewer than {@link #BUSY_DELIVERY_THREADS};
     * else it waits in the queue, as long as the queue keeps moving. A thread stuck in a write to a client that
     * stopped reading does not move it: once no task has started or ended for {@link #STUCK_NANOS} while tasks
     * wait, another thread is started, up to {@link #MAX_DELIVERY_THREADS} (or the configured bound) plus the
     * threads stalled in a write, by the next task or by {@link DeliveryPool#startAnotherIfStuck()}. (A plain pool
     * with a fixed size starts a new thread for each task until it is full, idle ones or not.) Threads idle for 10 s
     * end.
     */
    static DeliveryPool deliveryPool() {
        return deliveryPool(STUCK_NANOS);
    }

    /** The same with another time for the queue to stand still; for tests. */
    static DeliveryPool deliveryPool(long stuckNanos) {
        return deliveryPool(stuckNanos, MAX_DELIVERY_THREADS);
    }

    /** The same with another time for the queue to stand still and another bound. */
    static DeliveryPool deliveryPool(long stuckNanos, int maxThreads) {
        return new DeliveryPool(new HandOff(), new AtomicInteger(), stuckNanos, maxThreads, daemons("sfere-delivery"));
    }

    /** The library's own delivery threads; see {@link #deliveryPool()}. */
    static final class DeliveryPool extends ThreadPoolExecutor {
        private static final Runnable NUDGE = () -> { };

        private final HandOff queue;
        /** Threads started and not yet ended: read on every queued task, where the pool's own count takes a lock. */
        private final AtomicInteger threads;
        /**
         * When a task last started or ended, or the queue last began to fill, in {@link System#nanoTime()}: a task
         * that has waited less than {@link #STUCK_NANOS} never starts a thread beyond the busy number.
         */
        private volatile long lastMove = System.nanoTime();

        private final long stuckNanos;
        private final int maxThreads;
        /** Threads in a write that stalled ({@link WriteWatch}): they count neither as busy nor against the bound. */
        private final AtomicInteger stalled = new AtomicInteger();
        /** Threads allowed beyond the bound for writes that stalled lately; see {@link #stalled}. Guarded by this. */
        private int surge;

        private DeliveryPool(HandOff queue, AtomicInteger threads, long stuckNanos, int maxThreads,
                             ThreadFactory factory) {
            super(0, maxThreads, 10, TimeUnit.SECONDS, queue, counted(factory, threads),
                    (task, pool) -> {
                        if (pool.isShutdown()) {
                            throw new RejectedExecutionException("Sfere's delivery threads are stopped");
                        }
                        queue.enqueue(task);
                    });
            this.queue = queue;
            this.threads = threads;
            this.stuckNanos = stuckNanos;
            this.maxThreads = maxThreads;
            queue.pool = this;
        }

        /** Counts a thread from its making (the pool makes one only to start it) to the end of its run. */
        private static ThreadFactory counted(ThreadFactory factory, AtomicInteger threads) {
            return work -> {
                Thread thread = factory.newThread(() -> {
                    try {
                        work.run();
                    } finally {
                        threads.decrementAndGet();
                    }
                });
                threads.incrementAndGet();
                return thread;
            };
        }

        /** How many threads run, as far as their own count knows. */
        int threads() {
            return threads.get();
        }

        /** How many threads run and are not stalled in a write. */
        int available() {
            return threads.get() - stalled.get();
        }

        /**
         * One round of the write watch found writes on {@code count} more threads stalled (0: none this round): the
         * bound grows by as many, and every task waiting gets a thread now, within the bound, since what waits behind
         * a stalled write may be a reader's event.
         *
         * <p>Writes that stall while tasks wait suggest that more of the waiting tasks are for clients that stopped
         * reading: a broadcast reaches them all at about the same time, and their buffers fill together. So the bound
         * also allows a surge of twice as many threads as just stalled, halved on each round that finds none. Without
         * it, a thousand such clients were found the bound's number at a time, one round of the watch each, while a
         * reader's event waited behind them in the queue for seconds; with it, the threads double each round.
         */
        synchronized void stalled(int count) {
            int stalledNow = stalled.addAndGet(count);
            surge = count > 0 ? Math.max(2 * count, surge) : surge / 2;
            setMaximumPoolSize(maxThreads + stalledNow + surge);
            if (count == 0) {
                return;
            }
            int bound = getMaximumPoolSize();
            int running = threads();
            int waiting = Math.min(queue.size(), bound - running);
            if (waiting > 0 && !isShutdown()) {
                // A larger core size starts threads for queued tasks at once; back to none, they end when idle.
                // Within the bound read above, however many threads execute() started since: a core size above
                // the maximum is refused with an exception.
                setCorePoolSize(Math.min(bound, running + waiting));
                setCorePoolSize(0);
            }
        }

        /** Whether the bound still allows a surge of threads for writes that stalled lately (see {@link #stalled}). */
        synchronized boolean surging() {
            return surge > 0;
        }

        /** A stalled write returned: its thread counts again. */
        synchronized void recovered() {
            setMaximumPoolSize(maxThreads + surge + Math.max(0, stalled.decrementAndGet()));
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            lastMove = System.nanoTime();
        }

        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            lastMove = System.nanoTime();
        }

        /** How long tasks have waited while none started or ended; 0 when none waits. */
        long stuckNanos() {
            return queue.isEmpty() ? 0 : Math.max(0, System.nanoTime() - lastMove);
        }

        /** Whether tasks wait while none has started or ended for {@link #STUCK_NANOS}. */
        boolean stuck() {
            return System.nanoTime() - lastMove >= stuckNanos && !queue.isEmpty();
        }

        /**
         * Starts one more thread if the queue stands still with tasks in it and the bound allows; run periodically,
         * for the tasks of a burst that all came before the threads got stuck.
         */
        void startAnotherIfStuck() {
            if (stuck() && threads() < getMaximumPoolSize() && !isShutdown()) {
                try {
                    // Refused by the queue while stuck, so the pool starts a thread for it, which then takes from
                    // the queue.
                    execute(NUDGE);
                } catch (RejectedExecutionException e) {
                    // Shut down meanwhile.
                }
            }
        }
    }

    /**
     * Gives a task to a thread already waiting for one, else queues it if enough threads run and the queue moves;
     * refusing it makes the pool start a thread (up to its bound; beyond, the rejection handler queues it).
     */
    private static final class HandOff extends LinkedTransferQueue<Runnable> {
        DeliveryPool pool;

        @Override
        public boolean offer(Runnable task) {
            if (tryTransfer(task)) {
                return true;
            }
            if (pool.available() < BUSY_DELIVERY_THREADS || pool.stuck()) {
                return false;
            }
            if (isEmpty()) {
                // The wait for a thread starts now.
                pool.lastMove = System.nanoTime();
            }
            return super.offer(task);
        }

        void enqueue(Runnable task) {
            super.offer(task);
        }
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static <T> T lookup(String name, Class<T> type) {
        try {
            Object found = new InitialContext().lookup(name);
            return type.isInstance(found) ? type.cast(found) : null;
        } catch (NamingException | RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, e, () -> "Sfere: no " + name + "; using threads of its own");
            return null;
        }
    }

    ScheduledFuture<?> every(long periodNanos, Runnable task) {
        return scheduler.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Where events are written to streams. */
    DeliveryPool delivery() {
        return delivery;
    }

    /**
     * Stops the library's own threads; a managed scheduler belongs to the container and is left alone. Delivery
     * threads still in a write are interrupted, which ends a write blocked on a client that stopped reading.
     *
     * @return the delivery tasks that were still waiting for a thread, which will not run
     */
    List<Runnable> stop() {
        watchdog.cancel(false);
        writes.cancel(false);
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
        return delivery.shutdownNow();
    }
}
