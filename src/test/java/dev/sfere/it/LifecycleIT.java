package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Departure, replacement, failure and shutdown, each on a server of its own. */
class LifecycleIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    private static final ConnectionKey ALICE = ConnectionKey.of("default", "lobby", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("default", "lobby", "bob");

    /** A server of each test's own, with sliding expiry; most tests add {@link #announcing()}. */
    @RegisterExtension
    final TestServer server = TestServer.with().beans(EventLog.class).resources(LobbyResource.class)
            .config("sfere.store.expiry-mode", "sliding");

    /** Heartbeats every 200 ms, a minute's sliding window, and departures told to the lobby. */
    private void announcing() {
        server.beans(LeaveAnnouncer.class)
                .config("sfere.heartbeat.interval", HEARTBEAT.toString())
                .config("sfere.store.duration", "PT1M");
    }

    /**
     * Seed 002's scenario: with sliding expiry, bob's client goes away; he must be purged as CLOSED within a few
     * heartbeats while alice is still connected, and alice must hear that he left.
     */
    @Test
    void clientGoesAway_isPurgedClosed_andThePeerIsTold() throws Exception {
        announcing();
        EventLog log = server.bean(EventLog.class);
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            alice.await("welcome", "alice");
            SseClient bob = SseClient.open(server.base(), "t/lobby/bob/events");
            await("bob registered").atMost(Duration.ofSeconds(5)).until(() -> server.bean(ConnectionStore.class)
                    .get(BOB).isPresent());
            long gone = System.nanoTime();
            bob.close();

            await("bob evicted").atMost(HEARTBEAT.multipliedBy(10)).until(() -> log.evicted().stream()
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
        announcing();
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            await("two heartbeat comments").atMost(HEARTBEAT.multipliedBy(15))
                    .until(() -> alice.comments().stream().filter("heartbeat"::equals).count() >= 2);
        }
    }

    @Test
    void passiveLiveClient_withHeartbeats_outlivesSlidingDuration() {
        server.config("sfere.heartbeat.interval", "PT0.1S")
                .config("sfere.store.duration", "PT1S");
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            alice.await("welcome", "alice");
            // Not a wait: alice must be there at every look for 2.5 s, past two and a half sliding windows.
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
        announcing();
        EventLog log = server.bean(EventLog.class);
        try (SseClient first = SseClient.open(server.base(), "t/lobby/alice/events")) {
            // The second only once the first is in, so that which one is old is not left to a race.
            await("first welcome").atMost(Duration.ofSeconds(5)).until(() -> first.saw("welcome", "alice"));
            try (SseClient second = SseClient.open(server.base(), "t/lobby/alice/events")) {
                second.await("welcome", "alice");
                await("REPLACED event").atMost(Duration.ofSeconds(5))
                        .until(() -> log.evicted().contains(new SfereEvicted(ALICE, EvictionCause.REPLACED)));
                await("the old stream ends with the last chunk").atMost(Duration.ofSeconds(5))
                        .until(first::lastChunk);
                assertThat(server.bean(ConnectionStore.class).keys()).containsExactly(ALICE);
                assertThat(second.ended()).isFalse();
            }
        }
    }

    @Test
    void resourceMethodThrows_connectionIsPurgedAgain() {
        announcing();
        Response response = server.target("t/failing/carol/events").request().get();
        assertThat(response.getStatus()).isEqualTo(500);
        ConnectionKey carol = ConnectionKey.of("default", "failing", "carol");
        assertThat(server.bean(EventLog.class).evicted()).containsExactly(
                new SfereEvicted(carol, EvictionCause.CLOSED));
        assertThat(server.bean(ConnectionStore.class).keys()).isEmpty();
    }

    @Test
    void requestWithoutSink_marksTheKeyActive() throws Exception {
        server.config("sfere.heartbeat.interval", "PT0S")
                .config("sfere.store.duration", "PT2S");
        // The test's clients never reconnect, so bob stays away once his stream is closed at expiry.
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events");
             SseClient bob = SseClient.open(server.base(), "t/lobby/bob/events")) {
            alice.await("welcome", "alice");
            await("bob welcomed").atMost(Duration.ofSeconds(5)).until(() -> bob.saw("welcome", "bob"));
            // Not a wait: alice pings every 100 ms for 3 s, past the 2 s window that expires the silent bob.
            long until = System.nanoTime() + Duration.ofMillis(3000).toNanos();
            while (System.nanoTime() < until) {
                assertThat(server.target("t/lobby/alice/ping").request().post(Entity.text("")).getStatus())
                        .isEqualTo(204);
                sleep(100);
            }
            await("bob expired").atMost(Duration.ofSeconds(5)).until(() -> server.bean(EventLog.class).evicted()
                    .contains(new SfereEvicted(BOB, EvictionCause.EXPIRED)));
            assertThat(server.bean(ConnectionStore.class).keys())
                    .as("evicted: %s", server.bean(EventLog.class).evicted()).containsExactly(ALICE);
        }
    }

    @Test
    void applicationStops_noThreadOfTheLibrarySurvives() throws Exception {
        announcing();
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            await("the library's own heartbeat and delivery threads").atMost(Duration.ofSeconds(5))
                    .until(() -> libraryThreads().stream().anyMatch(name -> name.startsWith("sfere-heartbeat"))
                            && libraryThreads().stream().anyMatch(name -> name.startsWith("sfere-delivery")));
            server.stopContainer();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(libraryThreads().isEmpty())
                    .as(() -> "no sfere-* thread left, found " + libraryThreads()).isTrue());
        }
    }

    private static java.util.List<String> libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("sfere-")).toList();
    }

    @Test
    void applicationStops_everyStreamIsClosedWithShutdown() throws Exception {
        announcing();
        EventLog.AFTER_SHUTDOWN.clear();
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events");
             SseClient bob = SseClient.open(server.base(), "t/lobby/bob/events")) {
            await("both registered").atMost(Duration.ofSeconds(5))
                    .until(() -> server.bean(ConnectionStore.class).keys().size() == 2);
            server.stopContainer();
            assertThat(EventLog.AFTER_SHUTDOWN).containsExactlyInAnyOrder(
                    new SfereEvicted(ALICE, EvictionCause.SHUTDOWN), new SfereEvicted(BOB, EvictionCause.SHUTDOWN));
            await("both streams ended").atMost(Duration.ofSeconds(5))
                    .until(() -> alice.lastChunk() && bob.lastChunk());
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
