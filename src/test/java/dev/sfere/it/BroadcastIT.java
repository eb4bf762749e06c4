package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.SfereConnected;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Registration through @SfereKey and delivery through Broadcaster, over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BroadcastIT {

    @RegisterExtension
    static final TestServer server = TestServer.with().beans(EventLog.class).resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT0S");

    private SseClient alice;
    private SseClient bob;
    private SseClient table7;
    private Broadcaster broadcaster;
    private ConnectionStore store;

    private static final ConnectionKey ALICE = ConnectionKey.of("default", "lobby", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("default", "lobby", "bob");
    private static final ConnectionKey TABLE7 = ConnectionKey.of("default", "game", "table-7");

    @BeforeAll
    void start() {
        broadcaster = server.bean(Broadcaster.class);
        store = server.bean(ConnectionStore.class);
        alice = SseClient.open(server.base(), "t/lobby/alice/events");
        bob = SseClient.open(server.base(), "t/lobby/bob/events");
        table7 = SseClient.open(server.base(), "t/game/events?table=7");
        alice.await("welcome", "alice");
        bob.await("welcome", "bob");
        table7.await("welcome", "7");
    }

    @AfterAll
    void stop() {
        alice.close();
        bob.close();
        table7.close();
    }

    @Test
    void sfereKey_registersUnderScopeCategoryAndResolvedId() {
        assertThat(store.keys()).containsExactlyInAnyOrder(ALICE, BOB, TABLE7);
        assertThat(server.bean(EventLog.class).connected())
                .extracting(SfereConnected::key).contains(ALICE, BOB, TABLE7);
    }

    @Test
    void broadcast_pattern_reachesExactlyTheMatchingClients() {
        int reached = broadcaster.broadcast(KeyPattern.all().withCategory("lobby"), "news", "lobby-only");
        assertThat(reached).isEqualTo(2);
        alice.await("news", "lobby-only");
        bob.await("news", "lobby-only");
        broadcaster.broadcast(KeyPattern.all(), "news", "marker-1");
        table7.await("news", "marker-1");
        assertThat(table7.data("news")).containsExactly("marker-1");
    }

    @Test
    void broadcast_excludeSet_leavesThoseKeysOut() {
        int reached = broadcaster.broadcast(KeyPattern.all(), Set.of(BOB), "excl-set", "not-bob");
        assertThat(reached).isEqualTo(2);
        alice.await("excl-set", "not-bob");
        table7.await("excl-set", "not-bob");
        broadcaster.broadcast(KeyPattern.all(), "excl-set", "marker-2");
        bob.await("excl-set", "marker-2");
        assertThat(bob.data("excl-set")).containsExactly("marker-2");
    }

    @Test
    void broadcast_excludePattern_leavesMatchingKeysOut() {
        int reached = broadcaster.broadcast(KeyPattern.all(), KeyPattern.all().withCategory("lobby"),
                "excl-pattern", "games-only");
        assertThat(reached).isEqualTo(1);
        table7.await("excl-pattern", "games-only");
        broadcaster.broadcast(KeyPattern.all(), "excl-pattern", "marker-3");
        alice.await("excl-pattern", "marker-3");
        bob.await("excl-pattern", "marker-3");
        assertThat(alice.data("excl-pattern")).containsExactly("marker-3");
        assertThat(bob.data("excl-pattern")).containsExactly("marker-3");
    }

    @Test
    void send_oneKey_reachesOnlyThatClient() {
        assertThat(broadcaster.send(BOB, "direct", "for-bob")).isEqualTo(1);
        bob.await("direct", "for-bob");
        broadcaster.broadcast(KeyPattern.all(), "direct", "marker-4");
        alice.await("direct", "marker-4");
        table7.await("direct", "marker-4");
        assertThat(alice.data("direct")).containsExactly("marker-4");
        assertThat(table7.data("direct")).containsExactly("marker-4");
    }

    @Test
    void sfereKey_idTheClientSentIsNotAValidKeyPart_is400SayingWhyAndNothingIsStored() {
        for (String id : List.of("x".repeat(300), "%20")) {
            // As an EventSource asks: the answer is still plain text naming the part and the value.
            Response response = server.target("t/lobby/" + id + "/events").request(MediaType.SERVER_SENT_EVENTS)
                    .get();
            assertThat(response.getStatus()).as(id).isEqualTo(400);
            assertThat(String.valueOf(response.getMediaType())).as(id).startsWith("text/plain");
            assertThat(response.readEntity(String.class)).as(id)
                    .isIn("id must be at most 256 characters, got 300 starting \"" + "x".repeat(32) + "\"",
                            "id must not be blank, got \" \"");
        }
        assertThat(store.keys()).containsExactlyInAnyOrder(ALICE, BOB, TABLE7);
    }

    @Test
    void send_missingKey_reachesNobody() {
        assertThat(broadcaster.send(ConnectionKey.of("default", "lobby", "nobody"), "direct", "x")).isZero();
    }

    @Test
    void event_object_isSentAsJson() {
        broadcaster.send(ALICE, "json", new Message("alice", "hi \"there\"\nsecond line"));
        alice.await("json", "{\"text\":\"hi \\\"there\\\"\\nsecond line\",\"user\":\"alice\"}");
    }

    @Test
    void send_multipleEvents_arriveInOrder() {
        broadcaster.send(BOB, broadcaster.event("seq", "1"), broadcaster.event("seq", "2"),
                broadcaster.event("seq", "3"));
        await("three seq events").atMost(Duration.ofSeconds(10)).until(() -> bob.data("seq").size() == 3);
        assertThat(bob.data("seq")).containsExactly("1", "2", "3");
    }

    @Test
    void event_multiLineText_arrivesJoinedBack() {
        broadcaster.send(TABLE7, "lines", "one\ntwo\nthree");
        table7.await("lines", "one\ntwo\nthree");
    }

    /** A JSON payload. */
    public record Message(String user, String text) {
    }
}
