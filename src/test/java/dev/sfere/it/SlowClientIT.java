package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that stops reading must not block the broadcasting thread nor hold up the others, and is evicted as
 * SLOW once its queue is full; its backlog does not grow the heap without bound.
 */
class SlowClientIT {

    private static final int READERS = 100;
    private static final int BROADCASTS = 1_000;
    private static final int QUEUE_SIZE = 100;
    /**
     * The server's socket send buffer, fixed: by default Linux grows it to 4 MiB and Grizzly then queues up to four
     * times that before a write blocks, so a stalled client would absorb megabytes before its queue filled at all.
     */
    private static final int SEND_BUFFER = 32 * 1024;
    private static final String PADDING = "x".repeat(1_000);

    @RegisterExtension
    final TestServer server = TestServer.with().beans(EventLog.class).resources(LobbyResource.class)
            .config("sfere.connection.queue-size", Integer.toString(QUEUE_SIZE))
            .config("sfere.heartbeat.interval", "PT0S").sendBuffer(SEND_BUFFER);

    @Test
    void stalledClient_isEvictedSlow_whileTheOthersGetEveryEventInOrder() throws Exception {
        try (NioSseClients readers = new NioSseClients(server.base());
             Socket stalled = new Socket()) {
            for (int i = 0; i < READERS; i++) {
                readers.open("t/lobby/r" + i + "/events");
            }
            ConnectionStore store = server.bean(ConnectionStore.class);
            Broadcaster broadcaster = server.bean(Broadcaster.class);
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress(server.base().getHost(), server.base().getPort()), 5_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /t/lobby/stalled/events HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.count(KeyPattern.all()))
                    .as("all connected").isEqualTo(READERS + 1));
            long heapBefore = usedHeapAfterGc();

            long slowestCall = 0;
            long started = System.nanoTime();
            for (int i = 0; i < BROADCASTS; i++) {
                // Paced by the readers, as an application's producer would be: never more than half a queue of
                // events (two per broadcast) ahead of the slowest of them. The stalled client paces nothing.
                int sequence = i;
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(fewest(readers) >= sequence
                        - QUEUE_SIZE / 4).as(() -> "readers at " + fewest(readers) + " of " + sequence + ", evictions "
                        + server.bean(EventLog.class).evicted().stream().limit(5).toList()).isTrue());
                long before = System.nanoTime();
                // A numbered event and a comment that makes it about a kilobyte on the wire.
                broadcaster.broadcast(KeyPattern.all(), OutboundEvents.text("seq", Integer.toString(i)),
                        OutboundEvents.comment(PADDING));
                slowestCall = Math.max(slowestCall, System.nanoTime() - before);
            }
            long loop = System.nanoTime() - started;

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(fewest(readers))
                    .as("every reader has %d, fewest", BROADCASTS).isEqualTo(BROADCASTS));
            for (NioSseClients.Client client : readers.clients()) {
                assertThat(client.disorders()).as("%s: %s", client, client.firstDisorder()).isZero();
                assertThat(client.firstSeq()).as("%s", client).isZero();
                assertThat(client.seqCount()).as("%s", client).isEqualTo(BROADCASTS);
            }
            ConnectionKey stalledKey = ConnectionKey.of("default", "lobby", "stalled");
            EventLog log = server.bean(EventLog.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.evicted())
                    .as("evictions").contains(new SfereEvicted(stalledKey, EvictionCause.SLOW)));
            assertThat(log.evicted()).containsExactly(new SfereEvicted(stalledKey, EvictionCause.SLOW));
            assertThat(store.count(KeyPattern.all())).isEqualTo(READERS);
            long heapAfter = usedHeapAfterGc();
            long blocked = Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().getName().startsWith("sfere-delivery"))
                    .filter(e -> e.getValue().length > 0 && !e.getValue()[0].getMethodName().equals("park"))
                    .count();
            System.out.println("SlowClientIT: delivery threads busy (in a write or close) after the eviction: "
                    + blocked);
            System.out.printf("SlowClientIT: %d broadcasts of %d B to %d readers + 1 stalled in %d ms; slowest "
                            + "broadcast call %.2f ms; used heap after GC %d KiB before, %d KiB after%n",
                    BROADCASTS, PADDING.length(), READERS, loop / 1_000_000, slowestCall / 1e6,
                    heapBefore / 1024, heapAfter / 1024);
            // The stalled client's backlog is bounded by its queue (100 events, shared with the readers) and the
            // runtime's buffers: far below the 4 MB it was sent. The margin covers the JIT and the test's own lists.
            assertThat(heapAfter - heapBefore).isLessThan(32L * 1024 * 1024);
        }
    }

    private static int fewest(NioSseClients readers) {
        return readers.clients().stream().mapToInt(NioSseClients.Client::seqCount).min().orElse(0);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Nothing to wait for: a moment for what the collection freed to settle before the next.
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
