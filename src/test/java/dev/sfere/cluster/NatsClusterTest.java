package dev.sfere.cluster;

import dev.sfere.engine.Streams;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.it.NatsServer;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The cluster on its own: an unreachable server costs the application nothing, and closing leaves no thread. */
class NatsClusterTest {

    private static final OutboundSseEvent[] EVENT = {OutboundEvents.text("m", "x")};

    private static Set<String> clusterThreads() {
        Set<String> names = new TreeSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            // The library's own, and the NATS client's, which it names after the connection ("sfere-<id>:n").
            if (thread.isAlive() && (thread.getName().startsWith("sfere-cluster")
                    || thread.getName().matches("sfere-[0-9a-f-]{36}:\\d+") || thread.getName().contains("NATS"))) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    private static void awaitNoClusterThread() {
        await().atMost(Duration.ofSeconds(5)).until(() -> clusterThreads().isEmpty());
        assertThat(clusterThreads()).as("threads left after close").isEmpty();
    }

    @Test
    void unreachableServer_neitherBlocksNorThrows_answersLocally_andCloseLeavesNoThread() throws Exception {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
        ConnectionStore store = Stores.memory();
        ConnectionKey alice = ConnectionKey.of("default", "lobby", "alice");
        store.store(alice, Streams.of(new jakarta.ws.rs.sse.SseEventSink() {
            @Override public boolean isClosed() { return false; }
            @Override public java.util.concurrent.CompletionStage<?> send(OutboundSseEvent event) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            @Override public void close() { }
        }, c -> { }));
        NatsSettings settings = new NatsSettings("nats://127.0.0.1:" + closedPort, "unreachable",
                Duration.ofSeconds(3), false, 1, -1);

        Cluster cluster = NatsCluster.start(settings, store, (p, k, e, events) -> { }, Object::toString);
        // A call that waited for the server would take its 2 s connection time-out at least.
        long started = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            cluster.publish(KeyPattern.all(), null, null, EVENT);
            cluster.registered(ConnectionKey.of("default", "lobby", "u" + i));
            cluster.removed(ConnectionKey.of("default", "lobby", "u" + i));
        }
        List<ConnectionKey> keys = cluster.keys(KeyPattern.all());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("nothing waited for the server")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(keys).containsExactly(alice);

        Thread.sleep(1200); // a few connection attempts
        cluster.close();
        awaitNoClusterThread();
    }

    @Test
    void reachableServer_closeLeavesNoThread() throws Exception {
        Assumptions.assumeTrue(NatsServer.available(), "no nats-server found (apt-get install -y nats-server)");
        try (NatsServer nats = new NatsServer()) {
            ConnectionStore store = Stores.memory();
            Cluster cluster = NatsCluster.start(new NatsSettings(nats.url(), "closing", Duration.ofSeconds(3), false,
                    1, -1), store, (p, k, e, events) -> { }, Object::toString);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> clusterThreads().stream().anyMatch(name -> name.contains(":")));
            assertThat(clusterThreads()).as("the client's threads, once connected").anyMatch(name -> name.contains(":"));
            cluster.close();
            awaitNoClusterThread();
        }
    }
}
