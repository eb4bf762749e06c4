package dev.sfere.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The library's own delivery threads: started only when needed, bounded, and every task runs. */
class DeliveryThreadsTest {

    @Test
    void tasksOneAfterAnother_reuseOneIdleThread() throws Exception {
        ExecutorService pool = DeliveryThreads.deliveryPool();
        try {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 50; i++) {
                CountDownLatch done = new CountDownLatch(1);
                pool.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    done.countDown();
                });
                assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
                // Let the thread go back to waiting for work before the next task comes.
                java.util.concurrent.LinkedTransferQueue<Runnable> queue =
                        (java.util.concurrent.LinkedTransferQueue<Runnable>) ((ThreadPoolExecutor) pool).getQueue();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                        .until(queue::hasWaitingConsumer);
            }
            assertThat(threads).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void burstOfShortTasks_runsOnTheBusyNumberOfThreads() throws Exception {
        // A queue that stands still for 5 s would start more threads; a burst of short tasks never does.
        DeliveryThreads.DeliveryPool pool = DeliveryThreads.deliveryPool(TimeUnit.SECONDS.toNanos(5));
        try {
            int tasks = 2_000;
            Set<String> threads = ConcurrentHashMap.newKeySet();
            CountDownLatch ran = new CountDownLatch(tasks);
            for (int i = 0; i < tasks; i++) {
                pool.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(20);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    ran.countDown();
                });
            }
            assertThat(ran.await(30, TimeUnit.SECONDS)).as("every task ran").isTrue();
            assertThat(threads).hasSize(DeliveryThreads.BUSY_DELIVERY_THREADS);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Threads stuck in their tasks (as in writes to clients that stopped reading) stop the queue; once it has stood
     * still long enough, threads are added one at a time up to the bound, whether by the periodic check or by the
     * next task, and every task runs in the end.
     */
    @Test
    void blockedTasks_growThePoolToItsBound_andTheRestWaitAndRun() throws Exception {
        growToBound(DeliveryThreads.deliveryPool(TimeUnit.MILLISECONDS.toNanos(250)), DeliveryThreads.MAX_DELIVERY_THREADS);
    }

    /** A bound set by {@code sfere.delivery.max-threads}, here above the default, is the one the pool grows to. */
    @Test
    void blockedTasks_growThePoolToAConfiguredBound() throws Exception {
        int bound = DeliveryThreads.MAX_DELIVERY_THREADS + 8;
        growToBound(DeliveryThreads.deliveryPool(TimeUnit.MILLISECONDS.toNanos(250), bound), bound);
    }

    private static void growToBound(DeliveryThreads.DeliveryPool pool, int bound) throws Exception {
        try {
            int tasks = bound * 3;
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(tasks);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            Runnable blocked = () -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                running.decrementAndGet();
                ran.countDown();
            };
            for (int i = 0; i < tasks - 1; i++) {
                pool.execute(blocked);
            }
            assertThat(pool.threads()).isEqualTo(DeliveryThreads.BUSY_DELIVERY_THREADS);

            // The next task, once the queue has stood still, starts a thread of its own.
            await("the queue stands still").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                    .until(pool::stuck);
            pool.execute(blocked);
            assertThat(pool.threads()).isEqualTo(DeliveryThreads.BUSY_DELIVERY_THREADS + 1);

            // The periodic check starts the rest, one each time the queue has stood still again.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
                if (running.get() >= bound) {
                    return true;
                }
                pool.startAnotherIfStuck();
                return false;
            });
            assertThat(running.get()).isEqualTo(bound);
            // Once the queue stands still again, the periodic check would start another thread if the bound let it.
            await("the queue stands still again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                    .until(pool::stuck);
            pool.startAnotherIfStuck();
            assertThat(pool.getPoolSize()).as("never beyond the bound").isEqualTo(bound);

            release.countDown();
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("every task ran").isTrue();
            assertThat(mostAtOnce.get()).isEqualTo(bound);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ownThreads_checkTheirQueueOnTheirOwn() throws Exception {
        // No container here, so the library's own threads, and its own check for a queue that stands still.
        DeliveryThreads threads = DeliveryThreads.start(DeliveryThreads.MAX_DELIVERY_THREADS, 0);
        CountDownLatch release = new CountDownLatch(1);
        try {
            DeliveryThreads.DeliveryPool pool = threads.delivery();
            int tasks = DeliveryThreads.BUSY_DELIVERY_THREADS + 2;
            AtomicInteger running = new AtomicInteger();
            for (int i = 0; i < tasks; i++) {
                pool.execute(() -> {
                    running.incrementAndGet();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            // No task comes after these: only the periodic check can start threads for the last two.
            await().atMost(Duration.ofSeconds(10)).until(() -> running.get() >= tasks);
            assertThat(running.get()).isEqualTo(tasks);
        } finally {
            release.countDown();
            threads.stop();
        }
    }

    @Test
    void afterShutdown_tasksAreRefused() {
        ExecutorService pool = DeliveryThreads.deliveryPool();
        pool.shutdown();
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }
}
