package dev.sfere.cluster;

import dev.sfere.engine.Streams;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.it.NatsServer;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * sfere.cluster.nats.max-age changed between restarts, the directory bucket (made by the first start) kept: a live
 * instance's keys must stay in the directory.
 */
class MaxAgeChangeTest {

    private static Connection open() {
        return Streams.of(new SseEventSink() {
            @Override public boolean isClosed() { return false; }
            @Override public CompletionStage<?> send(OutboundSseEvent event) {
                return CompletableFuture.completedFuture(null);
            }
            @Override public void close() { }
        }, c -> { });
    }

    private static void awaitKeys(Cluster cluster, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.keys(KeyPattern.all()).size() >= n);
    }

    @Test
    void longerMaxAgeAfterRestart_liveKeysNeverLapse() throws Exception {
        Assumptions.assumeTrue(NatsServer.available(), "no nats-server found");
        try (NatsServer nats = new NatsServer()) {
            // First deployment: max-age 2 s, so the bucket's entries live 1.5 s.
            Cluster first = NatsCluster.start(new NatsSettings(nats.url(), "dir", Duration.ofSeconds(2), false, 1, -1),
                    Stores.memory(), (p, k, e, events) -> { }, Object::toString);
            // Not a wait: the first deployment runs for a while, as one would, and makes the bucket.
            Thread.sleep(1000);
            first.close();

            // Redeployed with max-age 8 s: entries should live 6 s and are written again every 2 s.
            ConnectionStore store = Stores.memory();
            ConnectionKey alice = ConnectionKey.of("default", "lobby", "alice");
            store.store(alice, open());
            NatsSettings longer = new NatsSettings(nats.url(), "dir", Duration.ofSeconds(8), false, 1, -1);
            Cluster instance = NatsCluster.start(longer, store, (p, k, e, events) -> { }, Object::toString);
            // Another instance, holding nothing, reads the directory.
            Cluster other = NatsCluster.start(longer, Stores.memory(), (p, k, e, events) -> { }, Object::toString);
            try {
                awaitKeys(other, 1);
                int missing = 0;
                for (int i = 0; i < 40; i++) {
                    if (!other.keys(KeyPattern.all()).contains(alice)) {
                        missing++;
                    }
                    Thread.sleep(100); // not a wait: the looks are spread over 4 s
                }
                assertThat(missing).as("of 40 looks over 4 s, how many missed alice, who never left").isZero();
            } finally {
                other.close();
                instance.close();
            }
        }
    }
}
