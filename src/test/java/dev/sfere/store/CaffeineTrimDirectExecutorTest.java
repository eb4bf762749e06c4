package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Scheduler;
import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Caffeine store over its maximum size on an executor that runs tasks on the calling thread (as the contract tests
 * configure it): the maintenance run it asks for must not ask for another inside itself, or, while other threads keep
 * storing, the runs nest without bound until the stack overflows in a caller's {@code store}.
 */
class CaffeineTrimDirectExecutorTest {

    @Test
    void concurrentStores_onADirectExecutor_doNotNestMaintenanceRuns() throws Exception {
        ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
        AtomicInteger deepest = new AtomicInteger();
        Executor direct = task -> {
            int[] d = depth.get();
            deepest.accumulateAndGet(++d[0], Math::max);
            try {
                task.run();
            } finally {
                d[0]--;
            }
        };
        ConnectionStore store = Stores.caffeine().maximumSize(4).scheduler(Scheduler.disabledScheduler())
                .executor(direct).build();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 50_000 && failure.get() == null; i++) {
                        store.store(ConnectionKey.of("s", "c", "t" + thread + "-" + i),
                                new Connection() { });
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            writer.start();
            writers.add(writer);
        }
        go.countDown();
        for (Thread writer : writers) {
            writer.join();
        }
        assertThat(failure.get()).as("a store's failure").isNull();
        assertThat(deepest.get()).as("maintenance runs nested on one thread").isLessThanOrEqualTo(2);
    }
}
