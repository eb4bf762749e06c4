package dev.sfere.cdi;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
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
 * Where the library's work runs: the container's default managed executors when it has them (Jakarta
 * Concurrency), otherwise daemon threads of the library's own, named {@code sfere-...}, that stop with the
 * application.
 */
final class SfereThreads {

    private static final Logger LOG = Logger.getLogger(SfereThreads.class.getName());
    private static final String MANAGED_SCHEDULED = "java:comp/DefaultManagedScheduledExecutorService";
    private static final String MANAGED = "java:comp/DefaultManagedExecutorService";
    /**
     * The most delivery threads of the library's own. A client that stops reading can hold one in a blocking
     * write until the runtime gives up on it, so there are more than cores; idle ones end after a while.
     */
    static final int MAX_DELIVERY_THREADS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    private final ScheduledExecutorService scheduler;
    private final Executor delivery;
    private final boolean ownScheduler;
    private final boolean ownDelivery;

    private SfereThreads(ScheduledExecutorService scheduler, boolean ownScheduler, Executor delivery,
                         boolean ownDelivery) {
        this.scheduler = scheduler;
        this.ownScheduler = ownScheduler;
        this.delivery = delivery;
        this.ownDelivery = ownDelivery;
    }

    static SfereThreads start() {
        ScheduledExecutorService managedScheduler = lookup(MANAGED_SCHEDULED, ScheduledExecutorService.class);
        ExecutorService managed = lookup(MANAGED, ExecutorService.class);
        ScheduledExecutorService scheduler = managedScheduler != null ? managedScheduler
                : Executors.newSingleThreadScheduledExecutor(daemons("sfere-heartbeat"));
        Executor delivery = managed;
        if (delivery == null) {
            delivery = deliveryPool();
        }
        return new SfereThreads(scheduler, managedScheduler == null, delivery, managed == null);
    }

    /**
     * Delivery threads of the library's own, started only when no idle one can take a task: a task goes to an idle
     * thread if there is one, else to a new thread up to {@link #MAX_DELIVERY_THREADS}, else waits in the queue.
     * (A plain pool with a fixed size starts a new thread for each task until it is full, idle ones or not.)
     * Threads idle for 10 s end.
     */
    static ExecutorService deliveryPool() {
        HandOff queue = new HandOff();
        return new ThreadPoolExecutor(0, MAX_DELIVERY_THREADS, 10, TimeUnit.SECONDS, queue,
                daemons("sfere-delivery"), (task, pool) -> {
                    if (pool.isShutdown()) {
                        throw new RejectedExecutionException("Sfere's delivery threads are stopped");
                    }
                    queue.enqueue(task);
                });
    }

    /** Offers a task only to a thread already waiting for one; the pool then starts a thread or queues it. */
    private static final class HandOff extends LinkedTransferQueue<Runnable> {
        @Override
        public boolean offer(Runnable task) {
            return tryTransfer(task);
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
    Executor delivery() {
        return delivery;
    }

    /** Stops the library's own threads; managed executors belong to the container and are left alone. */
    void stop() {
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
        if (ownDelivery) {
            ((ExecutorService) delivery).shutdownNow();
        }
    }
}
