package dev.sfere.cdi;

import org.junit.jupiter.api.Test;

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

/** The library's own delivery threads: started only when needed, bounded, and every task runs. */
class SfereThreadsTest {

    @Test
    void tasksOneAfterAnother_reuseOneIdleThread() throws Exception {
        ExecutorService pool = SfereThreads.deliveryPool();
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
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!queue.hasWaitingConsumer() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            assertThat(threads).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void blockedTasks_growThePoolToItsBound_andTheRestWaitAndRun() throws Exception {
        ExecutorService pool = SfereThreads.deliveryPool();
        try {
            int tasks = SfereThreads.MAX_DELIVERY_THREADS * 3;
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(tasks);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            for (int i = 0; i < tasks; i++) {
                pool.execute(() -> {
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    running.decrementAndGet();
                    ran.countDown();
                });
            }
            assertThat(((ThreadPoolExecutor) pool).getPoolSize()).isEqualTo(SfereThreads.MAX_DELIVERY_THREADS);
            // The threads exist; wait until each has started its first task before letting them all go.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running.get() < SfereThreads.MAX_DELIVERY_THREADS && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            release.countDown();
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("every task ran").isTrue();
            assertThat(mostAtOnce.get()).isEqualTo(SfereThreads.MAX_DELIVERY_THREADS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void afterShutdown_tasksAreRefused() {
        ExecutorService pool = SfereThreads.deliveryPool();
        pool.shutdown();
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }
}
