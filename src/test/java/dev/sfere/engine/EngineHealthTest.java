package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the health checks read: live on a working engine, not live once heartbeat rounds stop. */
class EngineHealthTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;
    private final ConnectionStore memory = Stores.memory();
    /** A store whose walks hang once told to, as a store stuck on a lock or a network would. */
    private final ConnectionStore store = (ConnectionStore) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[]{ConnectionStore.class}, (proxy, method, args) -> {
                if (hang && method.getName().equals("forEach")) {
                    release.await();
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final Engine engine = new Engine(store,
            new EngineSettings(Duration.ofMillis(40), 10, 4, 100, Duration.ofSeconds(5)), new Engine.Listener() {
                @Override
                public void connected(ConnectionKey key, Resumption resumption) {
                }

                @Override
                public void evicted(ConnectionKey key, EvictionCause cause) {
                }
            }, null);

    @AfterEach
    void stop() {
        release.countDown();
        engine.shutdown();
    }

    @Test
    void live_whileHeartbeatsRun_notLive_onceTheyStop_andLiveAgainAfter() {
        Streams.opened(engine.register(ConnectionKey.of("s", "c", "a"), BlockingSink.healthy()));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> engine.health().live());
        assertThat(engine.health().streams()).isEqualTo(1);

        hang = true;
        await("heartbeats behind").atMost(Duration.ofSeconds(5)).until(() -> !engine.health().live());
        assertThat(engine.health().heartbeatsLateNanos()).isPositive();

        hang = false;
        release.countDown();
        await("heartbeats back").atMost(Duration.ofSeconds(5)).until(() -> engine.health().live());
    }
}
