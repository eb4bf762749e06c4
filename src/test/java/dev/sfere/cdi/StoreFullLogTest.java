package dev.sfere.cdi;

import dev.sfere.engine.Streams;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import dev.sfere.Warnings;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A store that closes open streams to make room says so once, naming the setting to raise. */
class StoreFullLogTest {

    /** Records every eviction. */
    @ApplicationScoped
    static class Evictions {
        final List<SfereEvicted> seen = new CopyOnWriteArrayList<>();

        void on(@Observes SfereEvicted event) {
            seen.add(event);
        }

        long bySize() {
            return seen.stream().filter(e -> e.cause() == EvictionCause.SIZE).count();
        }
    }

    @Test
    void evictionsForRoom_areLoggedOnce_namingTheMaximumSize() throws Exception {
        SmallRyeConfig config = TestConfig.register(Map.of("sfere.store.maximum-size", "2"));
        try (Warnings warnings = Warnings.of(dev.sfere.engine.Engine.class);
             WeldContainer container = new Weld().disableDiscovery().addExtension(new SfereExtension())
                     .addBeanClass(Evictions.class).initialize()) {
            ConnectionLifecycle lifecycle = container.select(ConnectionLifecycle.class).get();
            Evictions evictions = container.select(Evictions.class).get();
            for (int i = 0; i < 8; i++) {
                Streams.opened(lifecycle.engine().register(ConnectionKey.of("default", "room", "u" + i),
                        new FakeSink(FakeSink.Mode.HEALTHY)));
            }
            // Promptly, not at the next heartbeat round (7.5 s here, with the default interval).
            await().atMost(Duration.ofSeconds(3)).until(() -> evictions.bySize() >= 6);
            assertThat(evictions.bySize()).as("streams closed for room").isEqualTo(6);

            assertThat(warnings.records()).as("warnings").hasSize(1);
            assertThat(warnings.records().get(0).getMessage()).contains("the store is full")
                    .contains("sfere.store.maximum-size (now 2)");
        } finally {
            TestConfig.release(config);
        }
    }
}
