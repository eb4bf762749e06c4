package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Departure, replacement, failure and shutdown, each on a server of its own. */
class LifecycleIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    private static final ConnectionKey ALICE = ConnectionKey.of("default", "lobby", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("default", "lobby", "bob");

    private TestServer server;

    private TestServer start(String expiryMode) {
        server = TestServer.with()
                .beans(EventLog.class, LeaveAnnouncer.class)
                .resources(LobbyResource.class)
                .config("sfere.heartbeat.interval", HEARTBEAT.toString())
                .config("sfere.store.expiry-mode", expiryMode)
                .config("sfere.store.duration", "PT1M")
                .start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Seed 002's scenario: with sliding expiry, bob's client goes away; he must be purged as CLOSED within a few
     * heartbeats while alice is still connected, and alice must hear that he left.
     */
    @Test
    void clientGoesAway_isPurgedClosed_andThePeerIsTold() throws Exception {
        start("sliding");
        EventLog log = server.bean(EventLog.class);
        try (SseClient alice = SseClient.open(server.target("t/lobby/alice/events"))) {
            alice.await("welcome", "alice");
            RawSseClient bob = new RawSseClient(server.base(), "t/lobby/bob/events");
            Poll.until(Duration.ofSeconds(5), "bob registered", () -> server.bean(ConnectionStore.class)
                    .get(BOB).isPresent());
            long gone = System.nanoTime();
            bob.close();

            Poll.until(HEARTBEAT.multipliedBy(10), "bob evicted", () -> log.evicted().stream()
                    .anyMatch(e -> e.key().equals(BOB)));
            Duration took = Duration.ofNanos(System.nanoTime() - gone);
            assertThat(log.evicted()).containsExactly(new SfereEvicted(BOB, EvictionCause.CLOSED));
            assertThat(took).isLessThan(HEARTBEAT.multipliedBy(10));
            alice.await("left", "bob:CLOSED");
            assertThat(server.bean(ConnectionStore.class).keys()).containsExactly(ALICE);
        }
    }

    @Test
    void quietStream_getsHeartbeatComments() throws Exception {
        start("sliding");
        try (RawSseClient alice = new RawSseClient(server.base(), "t/lobby/alice/events")) {
            Poll.until(HEARTBEAT.multipliedBy(15), "two heartbeat comments",
                    () -> alice.lines().stream().filter(": heartbeat"::equals).count() >= 2);
        }
    }

    @Test
    void passiveLiveClient_withHeartbeats_outlivesSlidingDuration() {
        server = TestServer.with()
                .beans(EventLog.class)
                .resources(LobbyResource.class)
                .config("sfere.heartbeat.interval", "PT0.1S")
                .config("sfere.store.expiry-mode", "sliding")
                .config("sfere.store.duration", "PT1S")
                .start();
        try (SseClient alice = SseClient.open(server.target("t/lobby/alice/events"))) {
            alice.await("welcome", "alice");
            long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
            while (System.nanoTime() < until) {
                assertThat(server.bean(ConnectionStore.class).get(ALICE))
                        .as("alice, evicted: %s", server.bean(EventLog.class).evicted()).isPresent();
                Thread.onSpinWait();
            }
            assertThat(server.bean(EventLog.class).evicted()).isEmpty();
        }
    }

    @Test
    void sameKeyTwice_replacesAndClosesTheOldStream() throws Exception {
        start("sliding");
        EventLog log = server.bean(EventLog.class);
        try (RawSseClient first = new RawSseClient(server.base(), "t/lobby/alice/events");
             SseClient second = SseClient.open(server.target("t/lobby/alice/events"))) {
            Poll.until(Duration.ofSeconds(5), "first welcome", () -> first.saw("data: alice"));
            second.await("welcome", "alice");
            Poll.until(Duration.ofSeconds(5), "REPLACED event",
                    () -> log.evicted().contains(new SfereEvicted(ALICE, EvictionCause.REPLACED)));
            Poll.until(Duration.ofSeconds(5), "the old stream ends with the last chunk",
                    () -> first.saw("0"));
            assertThat(server.bean(ConnectionStore.class).keys()).containsExactly(ALICE);
            assertThat(second.isCompleted()).isFalse();
        }
    }

    @Test
    void resourceMethodThrows_connectionIsPurgedAgain() {
        start("sliding");
        Response response = server.target("t/failing/carol/events").request().get();
        assertThat(response.getStatus()).isEqualTo(500);
        ConnectionKey carol = ConnectionKey.of("default", "failing", "carol");
        assertThat(server.bean(EventLog.class).evicted()).containsExactly(
                new SfereEvicted(carol, EvictionCause.CLOSED));
        assertThat(server.bean(ConnectionStore.class).keys()).isEmpty();
    }

    @Test
    void requestWithoutSink_marksTheKeyActive() throws Exception {
        server = TestServer.with()
                .beans(EventLog.class)
                .resources(LobbyResource.class)
                .config("sfere.heartbeat.interval", "PT0S")
                .config("sfere.store.expiry-mode", "sliding")
                .config("sfere.store.duration", "PT2S")
                .start();
        // bob on a raw socket: Jersey's client would reconnect once his stream is closed at expiry.
        try (SseClient alice = SseClient.open(server.target("t/lobby/alice/events"));
             RawSseClient bob = new RawSseClient(server.base(), "t/lobby/bob/events")) {
            alice.await("welcome", "alice");
            Poll.until(Duration.ofSeconds(5), "bob welcomed", () -> bob.saw("data: bob"));
            long until = System.nanoTime() + Duration.ofMillis(3000).toNanos();
            while (System.nanoTime() < until) {
                assertThat(server.target("t/lobby/alice/ping").request().post(Entity.text("")).getStatus())
                        .isEqualTo(204);
                sleep(100);
            }
            Poll.until(Duration.ofSeconds(5), "bob expired", () -> server.bean(EventLog.class).evicted()
                    .contains(new SfereEvicted(BOB, EvictionCause.EXPIRED)));
            assertThat(server.bean(ConnectionStore.class).keys())
                    .as("evicted: %s", server.bean(EventLog.class).evicted()).containsExactly(ALICE);
        }
    }

    @Test
    void applicationStops_noThreadOfTheLibrarySurvives() throws Exception {
        start("sliding");
        try (RawSseClient alice = new RawSseClient(server.base(), "t/lobby/alice/events")) {
            Poll.until(Duration.ofSeconds(5), "the library's own heartbeat and delivery threads",
                    () -> libraryThreads().stream().anyMatch(name -> name.startsWith("sfere-heartbeat"))
                            && libraryThreads().stream().anyMatch(name -> name.startsWith("sfere-delivery")));
            server.stopContainer();
            Poll.until(Duration.ofSeconds(5), () -> "no sfere-* thread left, found " + libraryThreads(),
                    () -> libraryThreads().isEmpty());
        }
    }

    private static java.util.List<String> libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("sfere-")).toList();
    }

    @Test
    void applicationStops_everyStreamIsClosedWithShutdown() throws Exception {
        start("sliding");
        EventLog.AFTER_SHUTDOWN.clear();
        try (RawSseClient alice = new RawSseClient(server.base(), "t/lobby/alice/events");
             RawSseClient bob = new RawSseClient(server.base(), "t/lobby/bob/events")) {
            Poll.until(Duration.ofSeconds(5), "both registered",
                    () -> server.bean(ConnectionStore.class).keys().size() == 2);
            server.stopContainer();
            assertThat(EventLog.AFTER_SHUTDOWN).containsExactlyInAnyOrder(
                    new SfereEvicted(ALICE, EvictionCause.SHUTDOWN), new SfereEvicted(BOB, EvictionCause.SHUTDOWN));
            Poll.until(Duration.ofSeconds(5), "both streams ended", () -> alice.saw("0") && bob.saw("0"));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
