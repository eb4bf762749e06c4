package dev.sfere.cdi;

import dev.sfere.spi.ConnectionStore;
import dev.sfere.spi.RemovalListener;
import dev.sfere.store.Stores;
import io.smallrye.config.SmallRyeConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A start that fails part way (here the store refuses the removal listener; in production, for example, a NATS URL
 * that the client cannot parse) must not leave the threads it had started: the application's shutdown does nothing
 * for a lifecycle that never finished starting, so they would run for the life of the JVM, one more per failed
 * deployment or retried start, each holding the application's class loader.
 */
class StartFailureTest {

    private static List<String> heartbeatThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("sfere-heartbeat")).toList();
    }

    @Test
    void failedStart_leavesNoThreadOfTheLibrary_evenWhenRetried() throws Exception {
        ConnectionStore memory = Stores.memory();
        ConnectionStore refusing = (ConnectionStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConnectionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("addRemovalListener")) {
                        throw new IllegalStateException("no listeners here");
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SmallRyeConfig config = TestConfig.register(Map.of());
        try {
            List<String> before = heartbeatThreads();
            ConnectionLifecycle lifecycle =
                    new ConnectionLifecycle(refusing, null, null, SfereBeans.readConfig(), null);
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(lifecycle::engine).hasMessageContaining("no listeners here");
            }
            lifecycle.shutdown();
            await().atMost(Duration.ofSeconds(5)).until(() -> heartbeatThreads().size() <= before.size());
            assertThat(heartbeatThreads()).as("sfere-heartbeat threads left by failed starts")
                    .hasSameSizeAs(before);
        } finally {
            TestConfig.release(config);
        }
    }
}
