package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The engine on its own: no container, a store, a listener that records. */
class EngineTest {

    private static final ConnectionKey ALICE = ConnectionKey.of("default", "lobby", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("default", "lobby", "bob");

    private final ConnectionStore store = Stores.memory();
    private final List<String> told = new CopyOnWriteArrayList<>();
    private static final EngineSettings SETTINGS = new EngineSettings(Duration.ZERO, 10, 4, 100, Duration.ofSeconds(5));

    private final Engine engine = new Engine(store, SETTINGS,
            new Engine.Listener() {
                @Override
                public void connected(ConnectionKey key, dev.sfere.Resumption resumption) {
                    told.add("connected " + key.id());
                }

                @Override
                public void evicted(ConnectionKey key, EvictionCause cause) {
                    told.add("evicted " + key.id() + " " + cause);
                }
            }, null);

    @AfterEach
    void stop() {
        engine.shutdown();
    }

    @Test
    void register_storesTheStreamAndTellsTheListener() {
        Connection alice = engine.register(ALICE, BlockingSink.healthy());

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(told).containsExactly("connected alice");
    }

    @Test
    void deliver_reachesMatchingStreamsMinusExclusions_inOrder() {
        BlockingSink alice = BlockingSink.healthy();
        BlockingSink bob = BlockingSink.healthy();
        engine.opened(engine.register(ALICE, alice));
        engine.opened(engine.register(BOB, bob));

        int reached = engine.deliver(KeyPattern.all(), Set.of(BOB), null, new OutboundSseEvent[] {
                OutboundEvents.text("m", "1"), OutboundEvents.text("m", "2")});

        assertThat(reached).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.written.size() == 2);
        assertThat(alice.written).extracting(event -> new String((byte[]) event.getData(), StandardCharsets.UTF_8)).containsExactly("1", "2");
        assertThat(bob.written).isEmpty();
    }

    @Test
    void requestFailed_takesTheStreamOutWithoutClosingIt() {
        BlockingSink sink = BlockingSink.healthy();
        Connection connection = engine.register(ALICE, sink);

        engine.requestFailed(connection);

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(told).containsExactly("connected alice", "evicted alice CLOSED");
        assertThat(sink.isClosed()).as("left for the runtime to answer with the error").isFalse();
    }

    @Test
    void aListenerThatThrowsOnConnect_failsTheRegistrationAndLeavesNothingStored() {
        Engine refusing = new Engine(store, SETTINGS, new Engine.Listener() {
            @Override
            public void connected(ConnectionKey key, dev.sfere.Resumption resumption) {
                throw new IllegalStateException("refused " + key.id());
            }

            @Override
            public void evicted(ConnectionKey key, EvictionCause cause) {
                told.add("evicted " + key.id() + " " + cause);
            }
        }, null);
        try {
            assertThatThrownBy(() -> refusing.register(ALICE, BlockingSink.healthy())).hasMessage("refused alice");
            assertThat(store.get(ALICE)).isEmpty();
            assertThat(told).containsExactly("evicted alice CLOSED");
        } finally {
            refusing.shutdown();
        }
    }

    @Test
    void shutdown_closesEveryStreamWithCauseShutdown() {
        BlockingSink alice = BlockingSink.healthy();
        engine.opened(engine.register(ALICE, alice));

        engine.shutdown();

        assertThat(alice.isClosed()).isTrue();
        assertThat(store.keys()).isEmpty();
        assertThat(told).containsExactly("connected alice", "evicted alice SHUTDOWN");
    }

    @Test
    void settings_refuseAQueueSizeBelowOne_namingIt() {
        assertThatThrownBy(() -> new EngineSettings(Duration.ZERO, 0, 4, 100, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueSize");
    }
}
