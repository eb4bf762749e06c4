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
                Thread.sleep(2); // let the thread go back to waiting
            }
            assertThat(threads).hasSizeLessThanOrEqualTo(2);
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
