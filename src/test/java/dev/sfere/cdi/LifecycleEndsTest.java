package dev.sfere.cdi;

import dev.sfere.engine.Streams;
import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.OutboundEvents;
import dev.sfere.SfereConnected;
import dev.sfere.SfereEvicted;
import dev.sfere.SfereKey;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.sse.SseEventSink;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The ends of a connection's life that are easy to get wrong: a refused registration, and shutdown. */
@EnableWeld
class LifecycleEndsTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addExtension(new SfereExtension())
            .addBeanClass(Resource.class)
            .addBeanClass(Refuser.class)).build();

    @Inject
    Resource resource;

    @Inject
    ConnectionStore store;

    @Inject
    Broadcaster broadcaster;

    @Inject
    ConnectionLifecycle lifecycle;

    @Inject
    Refuser refuser;

    /** An SSE resource method, called directly: the interceptor runs as it does for a request. */
    @ApplicationScoped
    static class Resource {
        @SfereKey(category = "room", id = "{user}")
        public void events(@PathParam("user") String user, SseEventSink sink) {
        }
    }

    /** An application that refuses some users when they connect, and records what leaves. */
    @ApplicationScoped
    static class Refuser {
        private final List<SfereEvicted> evicted = new CopyOnWriteArrayList<>();

        void on(@Observes SfereConnected event) {
            if (event.key().id().equals("mallory")) {
                throw new IllegalStateException("mallory is not welcome");
            }
        }

        void on(@Observes SfereEvicted event) {
            evicted.add(event);
        }

        /** Read through the bean's proxy, which has no state of its own. */
        List<SfereEvicted> evicted() {
            return evicted;
        }
    }

    @Test
    void observerOfSfereConnectedThrows_theRequestFails_andItsStreamIsNotLeftStored() {
        FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
        ConnectionKey key = ConnectionKey.of("default", "room", "mallory");

        assertThatThrownBy(() -> resource.events("mallory", sink)).hasMessage("mallory is not welcome");

        assertThat(store.get(key)).as("the refused stream is not stored").isEmpty();
        assertThat(broadcaster.send(key, broadcaster.event("n", "hello"))).isZero();
        assertThat(refuser.evicted()).containsExactly(new SfereEvicted(key, EvictionCause.CLOSED));
        assertThat(sink.isClosed()).as("left to the runtime, which answers the failed request").isFalse();
    }

    /** Every delivery thread of the library's own is stuck in a write to a client that stopped reading. */
    private void occupyEveryDeliveryThread() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(dev.sfere.engine.Engine.DEFAULT_MAX_DELIVERY_THREADS);
        for (int i = 0; i < dev.sfere.engine.Engine.DEFAULT_MAX_DELIVERY_THREADS; i++) {
            Connection stalled = lifecycle.engine().register(ConnectionKey.of("default", "room", "stalled-" + i),
                    new StalledSink(entered));
            Streams.opened(stalled);
            Streams.send(stalled, OutboundEvents.text("n", "x"));
        }
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("every delivery thread stuck").isTrue();
    }

    @Test
    void shutdown_closesAStreamWhoseDeliveryWaitsForAThread() throws Exception {
        occupyEveryDeliveryThread();
        FakeSink waiting = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection connection = lifecycle.engine().register(ConnectionKey.of("default", "room", "waiting"), waiting);
        Streams.opened(connection);
        assertThat(Streams.send(connection, OutboundEvents.text("n", "y"))).isTrue();

        lifecycle.shutdown();

        assertThat(waiting.isClosed()).as("closed at shutdown, not left to a task that will never run").isTrue();
        assertThat(waiting.sent).isEmpty();
    }

    @Test
    void shutdown_closesAStreamRemovedJustBeforeWhoseCloseWaitsForAThread() throws Exception {
        occupyEveryDeliveryThread();
        FakeSink removed = new FakeSink(FakeSink.Mode.HEALTHY);
        ConnectionKey key = ConnectionKey.of("default", "room", "removed");
        Streams.opened(lifecycle.engine().register(key, removed));
        store.purge(key);
        assertThat(removed.isClosed()).as("its close waits for a delivery thread").isFalse();

        lifecycle.shutdown();

        assertThat(removed.isClosed()).as("closed at shutdown").isTrue();
    }

    /**
     * Regression: the JVM-exit hook closes every stream while the server still takes requests (Open Liberty waits
     * for open requests before it stops the application), and an {@code EventSource} reconnects at once. A stream
     * opened after that was stored and never closed, so the server waited for it.
     */
    @Test
    void streamOpenedAfterShutdown_isClosedAndToldAsShutdown() {
        resource.events("early", new FakeSink(FakeSink.Mode.HEALTHY));
        lifecycle.shutdown();
        FakeSink late = new FakeSink(FakeSink.Mode.HEALTHY);
        ConnectionKey key = ConnectionKey.of("default", "room", "late");

        resource.events("late", late);

        assertThat(store.get(key)).as("not left stored after shutdown").isEmpty();
        assertThat(late.isClosed()).as("closed, so the server need not wait for it").isTrue();
        assertThat(refuser.evicted()).contains(new SfereEvicted(key, EvictionCause.SHUTDOWN));
    }

    /** The same while streams keep opening as shutdown walks the store: none is left open, each leaves once. */
    @Test
    void streamsOpeningDuringShutdown_areAllClosed() throws Exception {
        List<FakeSink> sinks = new CopyOnWriteArrayList<>();
        AtomicBoolean go = new AtomicBoolean(true);
        CountDownLatch opening = new CountDownLatch(50);
        Thread opener = new Thread(() -> {
            for (int i = 0; go.get(); i++) {
                FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
                sinks.add(sink);
                resource.events("u" + i, sink);
                opening.countDown();
            }
        });
        opener.start();
        assertThat(opening.await(10, TimeUnit.SECONDS)).isTrue();

        lifecycle.shutdown();
        int atShutdown = sinks.size();
        await("streams opened after the shutdown").atMost(Duration.ofSeconds(10))
                .until(() -> sinks.size() >= atShutdown + 50);
        go.set(false);
        opener.join();

        assertThat(store.keys()).as("nothing left stored").isEmpty();
        assertThat(sinks).as("every stream closed").allMatch(FakeSink::isClosed);
        assertThat(refuser.evicted()).hasSize(sinks.size());
    }
}
