package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Caffeine store written to by several threads at once, then left alone, comes down to its maximum size by itself.
 * Caffeine evicts in maintenance runs that writes ask for; a write that lands while a run is under way only marks
 * another as needed, for the cache's next counted access, which a quiet store may not get for a long time.
 */
class CaffeineTrimTest {

    @Test
    void storesFromSeveralThreads_thenQuiet_comeDownToTheMaximumSize() throws Exception {
        int maximum = 4;
        List<String> overfull = new ArrayList<>();
        for (int round = 0; round < 150 && overfull.isEmpty(); round++) {
            ConnectionStore store = Stores.caffeine().maximumSize(maximum).build();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                Thread writer = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 20; i++) {
                        store.store(ConnectionKey.of("s", "c", "t" + thread + "-" + i),
                                new Connection() { });
                    }
                });
                writer.start();
                writers.add(writer);
            }
            go.countDown();
            for (Thread writer : writers) {
                writer.join();
            }
            try {
                await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5))
                        .until(() -> store.count(KeyPattern.all()) <= maximum);
            } catch (ConditionTimeoutException stillOver) {
                overfull.add("round " + round + ": " + store.count(KeyPattern.all()));
            }
        }
        assertThat(overfull).as("stores still over their maximum of %d a second after the last write", maximum)
                .isEmpty();
    }
}
