package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two thousand SSE streams on one server: every one gets every broadcast in order, and when the clients go away
 * every stream is purged once and the process gives back its sockets and threads.
 */
class LoadIT {

    private static final int CLIENTS = 2_000;
    private static final int BROADCASTS = 100;
    private static final int WARM_UP_CLIENTS = 50;
    /**
     * How many broadcasts may be ahead of the slowest client before the next one is sent. Delivery may become
     * asynchronous with bounded per-stream queues; the test is about delivery and order, not about overrunning a
     * queue, so it keeps the backlog this small.
     */
    private static final int WINDOW = 10;
    private static final KeyPattern LOAD = KeyPattern.all().withCategory("lobby");

    /**
     * File descriptors the JVM may hold after the test beyond the baseline taken after the warm-up: the class
     * loader opens a classpath jar the first time it loads a class from it, and keeps it open; the warm-up loads
     * almost everything the measured phase needs, so a few at most.
     */
    private static final int FD_TOLERANCE = 4;
    /**
     * Threads beyond the baseline: Grizzly's worker pool grows on demand up to its maximum, and thousands of
     * concurrent requests may start a few more workers than fifty did in the warm-up; those idle workers stay. The
     * JDK's common fork-join pool (Caffeine's maintenance runs there) comes and goes on its own and is not counted.
     */
    private static final int THREAD_TOLERANCE = 4;

    @RegisterExtension
    final TestServer server = TestServer.with()
            .beans(EvictionClock.class)
            .resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT0.5S");

    @Test
    void twoThousandStreams_getEveryBroadcastInOrder_andLeaveNothingBehind() throws Exception {
        Broadcaster broadcaster = server.bean(Broadcaster.class);
        ConnectionStore store = server.bean(ConnectionStore.class);
        EvictionClock evictions = server.bean(EvictionClock.class);

        // Warm-up: the same path with a few clients, so class loading, JIT, Grizzly's first workers and the
        // library's heartbeat thread are in place before the baseline is taken.
        try (NioSseClients warm = new NioSseClients(server.base())) {
            List<NioSseClients.Client> clients = openAll(warm, "warm", WARM_UP_CLIENTS);
            await("warm-up clients welcomed").atMost(Duration.ofSeconds(30)).until(() -> clients.stream()
                    .allMatch(c -> c.events().size() == 1));
            for (int i = 0; i < 5; i++) {
                broadcaster.broadcast(LOAD, "seq", String.valueOf(i));
            }
            await("warm-up delivered").atMost(Duration.ofSeconds(30))
                    .until(() -> clients.stream().allMatch(c -> c.seqCount() == 5));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.keys().size())
                .as("warm-up keys left").isZero());
        // Nothing to wait for: a moment for the warm-up's sockets and workers to wind down before the baseline.
        Thread.sleep(500);
        int fdsBefore = openFileDescriptors();
        int threadsBefore = liveThreads().size();
        long heapBefore = usedHeapAfterGc();

        List<NioSseClients.Client> clients;
        long closedAt;
        long broadcastNanos = 0;
        long openStart = System.nanoTime();
        try (NioSseClients nio = new NioSseClients(server.base())) {
            clients = openAll(nio, "load", CLIENTS);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(store.count(LOAD) == CLIENTS
                    && clients.stream().allMatch(c -> !c.events().isEmpty())).as(() -> "all welcomed and stored: "
                    + store.count(LOAD) + " stored, " + clients.stream().filter(c -> c.events().isEmpty()).count()
                    + " not welcomed").isTrue());
            long openNanos = System.nanoTime() - openStart;
            long heapAfter = usedHeapAfterGc();
            long perConnection = (heapAfter - heapBefore) / CLIENTS;
            System.out.println("LoadIT: retained heap per connection: " + perConnection + " bytes"
                    + " (server side: Grizzly's connection and buffers, Jersey's request and SSE sink, Sfere's"
                    + " Connection and index entries; and the test's own client side: a SocketChannel, its"
                    + " SelectionKey and parser state; " + CLIENTS + " connections, " + heapBefore + " -> "
                    + heapAfter + " bytes used after GC)");

            List<String> shortBroadcasts = new ArrayList<>();
            for (int i = 0; i < BROADCASTS; i++) {
                int behind = i - WINDOW;
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(clients.stream()
                        .allMatch(c -> c.seqCount() >= behind)).as(() -> "clients caught up to " + behind + ": "
                        + NioSseClients.describe(clients.stream().filter(c -> c.seqCount() < behind).toList(), 5))
                        .isTrue());
                long start = System.nanoTime();
                int reached = broadcaster.broadcast(LOAD, "seq", String.valueOf(i));
                broadcastNanos += System.nanoTime() - start;
                if (reached != CLIENTS) {
                    shortBroadcasts.add("#" + i + " reached " + reached);
                }
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(clients.stream()
                    .allMatch(c -> c.seqCount() >= BROADCASTS)).as(() -> "every client got " + BROADCASTS
                    + " events: " + NioSseClients.describe(clients.stream().filter(c -> c.seqCount() < BROADCASTS)
                    .toList(), 5)).isTrue());
            assertThat(shortBroadcasts).as("broadcasts that did not reach every stream").isEmpty();
            List<NioSseClients.Client> wrong = clients.stream().filter(c -> c.firstSeq() != 0
                    || c.lastSeq() != BROADCASTS - 1 || c.seqCount() != BROADCASTS || c.disorders() != 0
                    || c.ended()).toList();
            assertThat(wrong).as("clients with a gap, a duplicate, reordering or an end: %s, first: %s",
                    NioSseClients.describe(wrong, 5),
                    wrong.isEmpty() ? null : wrong.get(0).firstDisorder()).isEmpty();
            System.out.println("LoadIT: " + CLIENTS + " streams opened and welcomed in " + openNanos / 1_000_000
                    + " ms; a broadcast call to all of them took " + broadcastNanos / BROADCASTS / 1_000
                    + " us on average");
            closedAt = System.nanoTime();
        }
        // The clients are all closed (FIN) by now; the heartbeats find them gone.

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(store.keys().size())
                .as("keys left in the store").isZero());
        long allPurged = System.nanoTime() - closedAt;
        // A removal is told after the entry has left the store, so the last few may still be on their way.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(evictions.total())
                .as("evictions seen").isGreaterThanOrEqualTo(CLIENTS + WARM_UP_CLIENTS));
        Map<ConnectionKey, List<EvictionClock.Seen>> seen = evictions.all();
        long[] purgeMillis = seen.entrySet().stream().filter(e -> e.getKey().id().startsWith("load-"))
                .mapToLong(e -> (e.getValue().get(0).nanos() - closedAt) / 1_000_000).sorted().toArray();
        System.out.println("LoadIT: all " + CLIENTS + " purged " + allPurged / 1_000_000 + " ms after the clients"
                + " closed (quiet streams, heartbeat interval 500 ms); per stream: median "
                + purgeMillis[purgeMillis.length / 2] + " ms, max " + purgeMillis[purgeMillis.length - 1] + " ms");
        List<String> notOnce = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ConnectionKey key = ConnectionKey.of("default", "lobby", "load-" + i);
            List<EvictionCause> causes = seen.getOrDefault(key, List.of()).stream()
                    .map(EvictionClock.Seen::cause).toList();
            if (!causes.equals(List.of(EvictionCause.CLOSED))) {
                notOnce.add(key.id() + "=" + causes);
            }
        }
        assertThat(notOnce).as("keys not evicted exactly once as CLOSED").isEmpty();
        assertThat(evictions.total()).as("evictions, warm-up included").isEqualTo(CLIENTS + WARM_UP_CLIENTS);

        int[] fdsAfter = new int[1];
        int[] threadsAfter = new int[1];
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            fdsAfter[0] = openFileDescriptors();
            threadsAfter[0] = liveThreads().size();
            assertThat(fdsAfter[0] <= fdsBefore + FD_TOLERANCE && threadsAfter[0] <= threadsBefore + THREAD_TOLERANCE)
                    .as(() -> "file descriptors back to " + fdsBefore + " (+" + FD_TOLERANCE + "), now " + fdsAfter[0]
                            + "; threads back to " + threadsBefore + " (+" + THREAD_TOLERANCE + "), now "
                            + threadsAfter[0] + ": " + newThreads(threadsBefore))
                    .isTrue();
        });
        System.out.println("LoadIT: file descriptors " + fdsBefore + " before, " + fdsAfter[0] + " after; threads "
                + threadsBefore + " before, " + threadsAfter[0] + " after (common pool not counted)");
    }

    private static List<NioSseClients.Client> openAll(NioSseClients nio, String prefix, int n) throws Exception {
        List<NioSseClients.Client> clients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            clients.add(nio.open("t/lobby/" + prefix + "-" + i + "/events"));
        }
        return clients;
    }

    private static int openFileDescriptors() {
        String[] entries = new File("/proc/self/fd").list();
        return Objects.requireNonNull(entries, "/proc/self/fd is not readable here").length;
    }

    private static List<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-worker")).toList();
    }

    private static String newThreads(int before) {
        return liveThreads().stream().map(Thread::getName)
                .collect(Collectors.groupingBy(name -> name.replaceAll("\\d+", "#"), Collectors.counting()))
                .toString() + " (baseline " + before + ")";
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Nothing to wait for: a moment for what the collection freed to settle before the next.
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
