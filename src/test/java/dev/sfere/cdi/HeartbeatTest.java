package dev.sfere.cdi;

import com.github.benmanes.caffeine.cache.Scheduler;
import dev.sfere.engine.Streams;
import dev.sfere.ConnectionKey;
import dev.sfere.OutboundEvents;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Heartbeats and sliding expiry: what renews a stream's lifetime. */
class HeartbeatTest {

    /** The store's clock, which the test moves. */
    static final AtomicLong NOW = new AtomicLong();

    /** A Caffeine store with sliding expiry of 1 s on the test's clock. */
    @ApplicationScoped
    static class StoreProducer {
        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return Stores.caffeine().duration(Duration.ofSeconds(1)).ticker(NOW::get)
                    .scheduler(Scheduler.disabledScheduler()).executor(Runnable::run).build();
        }
    }

    /**
     * Before the fix, each heartbeat round renewed a quiet stream as soon as a heartbeat was queued for it, so a
     * client that stopped reading, whose queued heartbeats were never written, was kept past its sliding expiry for
     * as long as its queue had room (about 2 hours with the defaults).
     */
    @Test
    void heartbeatsStuckBehindAStalledWrite_renewNothing_whileAQuietLiveStreamIsKept() throws Exception {
        SmallRyeConfig config = TestConfig.register(Map.of("sfere.heartbeat.interval", "PT0.1S"));
        StalledSink stalled = new StalledSink(new CountDownLatch(1));
        try (WeldContainer container = new Weld().disableDiscovery().addExtension(new SfereExtension())
                .addBeanClass(StoreProducer.class).initialize()) {
            ConnectionLifecycle lifecycle = container.select(ConnectionLifecycle.class).get();
            ConnectionStore store = container.select(ConnectionStore.class).get();
            ConnectionKey stalledKey = ConnectionKey.of("default", "room", "stalled");
            ConnectionKey quietKey = ConnectionKey.of("default", "room", "quiet");
            Connection stuck = lifecycle.engine().register(stalledKey, stalled);
            Streams.opened(stuck);
            Streams.opened(lifecycle.engine().register(quietKey, new FakeSink(FakeSink.Mode.HEALTHY)));
            Streams.send(stuck, OutboundEvents.comment("first"));
            assertThat(stalled.entered.await(5, TimeUnit.SECONDS)).isTrue();

            // 3 s of real time, in which heartbeats also run every 50 ms by themselves; 2 s of the store's time,
            // two sliding windows. The quiet stream's heartbeats are written and renew it.
            for (int round = 0; round < 20; round++) {
                // Not a wait: real time passes too, for the heartbeats that run on their own.
                Thread.sleep(150);
                NOW.addAndGet(Duration.ofMillis(100).toNanos());
                Streams.heartbeat(lifecycle.engine());
            }

            assertThat(store.get(quietKey)).as("a live stream quiet but for heartbeats").isPresent();
            assertThat(store.get(stalledKey)).as("a stream with no write through for two windows").isEmpty();
        } finally {
            stalled.release.countDown();
            TestConfig.release(config);
        }
    }
}
