package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Half of 500 clients vanish while events flow every 20 ms, some with an RST, some with a FIN: each is purged as
 * CLOSED within three heartbeat intervals, the others miss nothing, and the broadcasting code never sees an
 * exception.
 */
class AbruptDisconnectIT {

    private static final int CLIENTS = 500;
    private static final long SEND_EVERY_MILLIS = 20;
    private static final KeyPattern ROOM = KeyPattern.all().withCategory("lobby");

    /** How a client was made to go away. */
    private enum Kill { RST, FIN_CLOSE, FIN_SHUTDOWN_OUTPUT }

    @RegisterExtension
    final TestServer server = TestServer.with()
            .beans(EvictionClock.class)
            .resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT1S");

    @Test
    void halfTheClientsVanish_arePurgedClosedQuickly_andTheOthersMissNothing() throws Exception {
        Broadcaster broadcaster = server.bean(Broadcaster.class);
        ConnectionStore store = server.bean(ConnectionStore.class);
        EvictionClock evictions = server.bean(EvictionClock.class);
        Duration heartbeat = Duration.parse(ConfigProvider.getConfig()
                .getValue("sfere.heartbeat.interval", String.class));
        Duration allowed = heartbeat.multipliedBy(3);

        try (NioSseClients nio = new NioSseClients(server.base())) {
            List<NioSseClients.Client> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(nio.open("t/lobby/c" + i + "/events"));
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.count(ROOM) == CLIENTS
                    && clients.stream().allMatch(c -> !c.events().isEmpty()))
                    .as(() -> "all stored and welcomed, " + store.count(ROOM) + " stored").isTrue());

            List<Throwable> thrown = new CopyOnWriteArrayList<>();
            AtomicInteger sent = new AtomicInteger();
            AtomicLong busyNanos = new AtomicLong();
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = new Thread(() -> {
                while (sending.get()) {
                    long start = System.nanoTime();
                    try {
                        broadcaster.broadcast(ROOM, "seq", String.valueOf(sent.get()));
                    } catch (Throwable t) {
                        thrown.add(t);
                    }
                    busyNanos.addAndGet(System.nanoTime() - start);
                    sent.incrementAndGet();
                    try {
                        // The sender paces itself: an event every 20 ms, as an application's would come.
                        Thread.sleep(SEND_EVERY_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "abrupt-sender");
            sender.start();

            // Every other client is killed, in batches of 25 every 100 ms, by RST, by close, or by half-close.
            Map<ConnectionKey, Long> killedAt = new ConcurrentHashMap<>();
            Map<ConnectionKey, Kill> how = new ConcurrentHashMap<>();
            List<NioSseClients.Client> survivors = new ArrayList<>();
            List<Integer> victims = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                if (i % 2 == 0) {
                    victims.add(i);
                } else {
                    survivors.add(clients.get(i));
                }
            }
            // Kills only once events flow: half a second's worth of them sent.
            await("the sender under way").atMost(Duration.ofSeconds(10))
                    .until(() -> sent.get() >= 500 / SEND_EVERY_MILLIS);
            for (int v = 0; v < victims.size(); v++) {
                int i = victims.get(v);
                ConnectionKey key = key(i);
                Kill kill = v % 2 == 0 ? Kill.RST : v % 4 == 1 ? Kill.FIN_CLOSE : Kill.FIN_SHUTDOWN_OUTPUT;
                killedAt.put(key, System.nanoTime());
                how.put(key, kill);
                switch (kill) {
                    case RST -> clients.get(i).closeRst();
                    case FIN_CLOSE -> clients.get(i).close();
                    default -> clients.get(i).closeFin();
                }
                if (v % 25 == 24) {
                    // The kills pace themselves: a batch every 100 ms.
                    Thread.sleep(100);
                }
            }
            // Go on sending for a while, so the last victims' purges happen under traffic too. Not a wait: the
            // traffic lasts the time a purge is allowed, and a little more.
            Thread.sleep(allowed.toMillis() + 500);
            sending.set(false);
            sender.join(10_000);
            assertThat(sender.isAlive()).as("sender stopped").isFalse();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.count(ROOM))
                    .as("stored, once the victims are purged").isEqualTo(CLIENTS / 2));
            List<String> late = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            long slowest = 0;
            Map<Kill, Long> slowestBy = new ConcurrentHashMap<>();
            for (Map.Entry<ConnectionKey, Long> kill : killedAt.entrySet()) {
                List<EvictionClock.Seen> seen = evictions.of(kill.getKey());
                if (seen.size() != 1 || seen.get(0).cause() != EvictionCause.CLOSED) {
                    wrong.add(kill.getKey().id() + "=" + seen);
                    continue;
                }
                long took = seen.get(0).nanos() - kill.getValue();
                slowest = Math.max(slowest, took);
                slowestBy.merge(how.get(kill.getKey()), took, Math::max);
                if (took > allowed.toNanos()) {
                    late.add(kill.getKey().id() + " (" + how.get(kill.getKey()) + ") after "
                            + Duration.ofNanos(took).toMillis() + " ms");
                }
            }
            System.out.println("AbruptDisconnectIT: heartbeat interval " + heartbeat.toMillis() + " ms; slowest purge "
                    + "after a kill " + Duration.ofNanos(slowest).toMillis() + " ms; by kind (ms): "
                    + slowestBy.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() / 1_000_000).toList()
                    + "; " + sent.get() + " broadcasts sent, a broadcast call took "
                    + busyNanos.get() / Math.max(1, sent.get()) / 1_000 + " us on average");
            assertThat(wrong).as("victims not evicted exactly once as CLOSED").isEmpty();
            assertThat(late).as("victims purged later than %s after their kill", allowed).isEmpty();

            // Once the victims are gone, a broadcast reaches exactly the survivors.
            int last = sent.get();
            int reached = broadcaster.broadcast(ROOM, "seq", String.valueOf(last));
            assertThat(reached).isEqualTo(survivors.size());
            int total = last + 1;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(survivors.stream()
                    .allMatch(c -> c.seqCount() >= total)).as(() -> "survivors got all " + total + " events: "
                    + NioSseClients.describe(survivors.stream().filter(c -> c.seqCount() < total).toList(), 5))
                    .isTrue());
            List<NioSseClients.Client> gaps = survivors.stream().filter(c -> c.firstSeq() != 0
                    || c.lastSeq() != total - 1 || c.seqCount() != total || c.disorders() != 0 || c.ended())
                    .toList();
            assertThat(gaps).as("survivors with a gap, duplicate or end: %s", NioSseClients.describe(gaps, 5))
                    .isEmpty();
            for (int i = 1; i < CLIENTS; i += 2) {
                assertThat(evictions.of(key(i))).as("survivor %s evicted", i).isEmpty();
            }
            assertThat(thrown).as("exceptions that reached the broadcasting code").isEmpty();
        }
    }

    private static ConnectionKey key(int i) {
        return ConnectionKey.of("default", "lobby", "c" + i);
    }
}
