package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two requests registering the same key at the same moment, over real HTTP: exactly one stream is kept and stays
 * open, the other is reported REPLACED and its client sees the end of the stream. (The store-level race of
 * register, purge and broadcast from many threads is {@code dev.sfere.cdi.ConcurrencyTest}: only there can every
 * sink be inspected.)
 */
class RaceIT {

    private static final int ROUNDS = 50;

    @RegisterExtension
    final TestServer server = TestServer.with()
            .beans(EvictionClock.class)
            .resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT0S");

    @Test
    void sameKeyFromTwoRequestsAtOnce_oneIsKept_theOtherReplacedAndEnded() throws Exception {
        Broadcaster broadcaster = server.bean(Broadcaster.class);
        ConnectionStore store = server.bean(ConnectionStore.class);
        EvictionClock evictions = server.bean(EvictionClock.class);
        ExecutorService pair = Executors.newFixedThreadPool(2);
        List<NioSseClients.Client> kept = new ArrayList<>();
        // The HTTP status the replaced request's client saw before the end: 200, or 0 when the connection was
        // closed before any response (the stream was replaced while its resource method still ran).
        java.util.Map<Integer, Integer> replacedStatus = new java.util.TreeMap<>();
        try (NioSseClients nio = new NioSseClients(server.base())) {
            for (int r = 0; r < ROUNDS; r++) {
                int round = r;
                String path = "t/lobby/race-" + round + "/events";
                ConnectionKey key = ConnectionKey.of("default", "lobby", "race-" + round);
                CyclicBarrier barrier = new CyclicBarrier(2);
                Future<NioSseClients.Client> first = pair.submit(() -> {
                    barrier.await(5, TimeUnit.SECONDS);
                    return nio.open(path);
                });
                Future<NioSseClients.Client> second = pair.submit(() -> {
                    barrier.await(5, TimeUnit.SECONDS);
                    return nio.open(path);
                });
                NioSseClients.Client a = first.get(10, TimeUnit.SECONDS);
                NioSseClients.Client b = second.get(10, TimeUnit.SECONDS);
                java.util.function.Supplier<String> what = () -> "round " + round + ": " + a + ", " + b
                        + ", evictions " + evictions.of(key);

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(evictions.of(key).size() == 1
                        && (a.ended() != b.ended()) && (a.ended() ? b : a).status() == 200)
                        .as(() -> "one REPLACED, one stream ended, the other answered 200: " + what.get()).isTrue());
                assertThat(evictions.of(key)).extracting(EvictionClock.Seen::cause).as(what)
                        .containsExactly(EvictionCause.REPLACED);
                NioSseClients.Client open = a.ended() ? b : a;
                NioSseClients.Client replaced = a.ended() ? a : b;
                replacedStatus.merge(replaced.status(), 1, Integer::sum);
                assertThat(store.keys(KeyPattern.exactly(key))).containsExactly(key);
                assertThat(broadcaster.send(key, "mark", "m" + round)).as(what).isEqualTo(1);
                assertThat(a.ended() != b.ended()).as("exactly one ended, %s", what).isTrue();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(open.saw("mark", "m" + round))
                        .as(() -> "the kept stream got the mark, " + what.get()).isTrue());
                assertThat(replaced.events()).as("the replaced stream, %s", what)
                        .doesNotContain(new SseEvent("mark", "m" + round));
                kept.add(open);
            }
            // Nothing closes a kept stream late, and each is still the one under its key. Nothing to wait for: a late
            // close would come now, so give it time to show.
            Thread.sleep(300);
            assertThat(kept).filteredOn(NioSseClients.Client::ended).as("kept streams ended later").isEmpty();
            assertThat(store.count(KeyPattern.all())).isEqualTo(ROUNDS);
            assertThat(broadcaster.broadcast(KeyPattern.all(), "final", "all")).isEqualTo(ROUNDS);
            await("every kept stream got the final event").atMost(Duration.ofSeconds(10))
                    .until(() -> kept.stream().allMatch(c -> c.saw("final", "all")));
            assertThat(evictions.total()).isEqualTo(ROUNDS);
            System.out.println("RaceIT: status seen by the replaced client before its end, by count: "
                    + replacedStatus + " (0: no response at all)");
        } finally {
            pair.shutdownNow();
        }
    }
}
