package dev.sfere.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resuming across instances: two application JVMs joined through a real nats-server whose log keeps its messages on
 * file; instance b reaches NATS through a relay the test cuts. A client resumes on the other instance with every
 * event it missed from both, an instance cut off catches its clients up, a restart of NATS loses nothing, and a
 * stream ended on purpose on one instance stays ended on the other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterResumeIT {

    private static final Duration MAX_AGE = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static NatsServer nats;
    private static NatsRelay relay;
    private static ClusterProcess a;
    private static ClusterProcess b;
    private static final List<SseClient> clients = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        Assumptions.assumeTrue(NatsServer.available(),
                "no nats-server found (apt-get install -y nats-server): the cluster tests are skipped");
        nats = new NatsServer();
        relay = new NatsRelay(nats.port());
        a = ClusterProcess.launch(nats.url(), MAX_AGE, "sfere.cluster.nats.storage=file");
        b = ClusterProcess.launch(relay.url(), MAX_AGE, "sfere.cluster.nats.storage=file");
        // Both instances are in the cluster once a direct send from each reaches a client on the other.
        SseClient probeA = open(a, "probe-a", null);
        SseClient probeB = open(b, "probe-b", null);
        await("both instances consume the log").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.call("POST", "control/send/probe-b?category=room&text=ping");
            b.call("POST", "control/send/probe-a?category=room&text=ping");
            return !notes(probeA).isEmpty() && !notes(probeB).isEmpty();
        });
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (SseClient client : clients) {
            client.close();
        }
        for (ClusterProcess instance : new ClusterProcess[] {a, b}) {
            if (instance != null) {
                instance.stop();
            }
        }
        if (relay != null) {
            relay.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static SseClient open(ClusterProcess instance, String user, String lastEventId) {
        SseClient client = SseClient.open(instance.base(), "r/" + user + "/events", lastEventId);
        clients.add(client);
        if (lastEventId == null) {
            client.await("snapshot", "NEW");
        }
        return client;
    }

    private static List<String> notes(SseClient client) {
        return client.data("note");
    }

    private static void broadcast(ClusterProcess instance, String text) throws Exception {
        instance.call("POST", "control/broadcast?category=room&text=" + text);
    }

    /** The log sequences of a client's ids, which must strictly increase. */
    private static List<Long> sequences(SseClient client) {
        List<Long> sequences = new ArrayList<>();
        for (String id : client.ids()) {
            if (id != null) {
                String position = id.substring(id.indexOf('-') + 1);
                int dot = position.indexOf('.');
                sequences.add(Long.parseLong(dot < 0 ? position : position.substring(0, dot)));
            }
        }
        return sequences;
    }

    @Test
    @Order(1)
    void droppedOnA_resumedOnB_getsEveryEventFromBoth_once_inOrder() throws Exception {
        SseClient witness = open(b, "witness", null);
        SseClient alice = open(a, "alice", null);
        broadcast(a, "before");
        alice.await("note", "before");
        witness.await("note", "before");
        String last = alice.lastEventId();
        alice.close();

        broadcast(a, "away-a1");
        broadcast(b, "away-b1");
        a.call("POST", "control/send/alice?category=room&text=away-direct");
        broadcast(b, "away-b2");
        broadcast(a, "away-a2");

        SseClient resumed = open(b, "alice", last);
        await().atMost(WAIT).until(() -> notes(resumed).size() >= 5);
        broadcast(a, "live");
        resumed.await("note", "live");
        witness.await("note", "live");

        List<String> broadcasts = new ArrayList<>(notes(resumed));
        assertThat(broadcasts.remove("away-direct")).as("the direct send, %s", notes(resumed)).isTrue();
        assertThat(broadcasts).as("the broadcasts in the order every client saw them")
                .isEqualTo(notes(witness).subList(notes(witness).indexOf("before") + 1, notes(witness).size()))
                .containsExactlyInAnyOrder("away-a1", "away-b1", "away-b2", "away-a2", "live");
        assertThat(resumed.data("snapshot")).as("resumed, not new").isEmpty();
        assertThat(resumed.data("sfere-reset")).isEmpty();
        assertThat(sequences(resumed)).isSorted().doesNotHaveDuplicates();
        assertThat(resumed.ids().get(0)).startsWith(last.substring(0, last.indexOf('-') + 1));
    }

    @Test
    @Order(2)
    void bCutFromNatsFor5s_whileABroadcasts100_bsClientsGetAll100_inOrder() throws Exception {
        SseClient carol = open(b, "carol", null);
        long cutAt = System.nanoTime();
        relay.cut();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            broadcast(a, "cut-" + i);
            sent.add("cut-" + i);
        }
        Thread.sleep(Math.max(0, 5_000 - (System.nanoTime() - cutAt) / 1_000_000)); // the outage lasts 5 s
        assertThat(notes(carol)).as("nothing crosses while cut").doesNotContain("cut-0");
        relay.restore();
        await("b catches up").atMost(WAIT).until(() -> notes(carol).size() >= 100);
        Thread.sleep(300); // a repeat would come now
        assertThat(notes(carol)).isEqualTo(sent);
        assertThat(carol.data("sfere-reset")).isEmpty();
        assertThat(sequences(carol)).isSorted().doesNotHaveDuplicates();
    }

    @Test
    @Order(3)
    void natsRestart_withFileStorage_losesNothing() throws Exception {
        SseClient dave = open(a, "dave", null);
        SseClient erin = open(b, "erin", null);
        broadcast(a, "f1");
        broadcast(b, "f2");
        dave.await("note", "f2");
        erin.await("note", "f2");
        String last = dave.lastEventId();
        dave.close();

        nats.stop();
        // Delivered on a at once, held for b, and published once the log is back.
        broadcast(a, "down");
        nats.start();
        // Sent again until one crosses: the instances reconnect on their own.
        int[] probe = new int[1];
        await("the log is back").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            broadcast(a, "after-" + probe[0]++);
            return notes(erin).stream().anyMatch(note -> note.startsWith("after-"));
        });
        erin.await("note", "down");
        broadcast(b, "f3");
        SseClient resumed = open(b, "dave", last);
        resumed.await("note", "f3");
        erin.await("note", "f3");
        Thread.sleep(300); // a repeat would come now

        assertThat(erin.data("sfere-reset")).as("nothing was lost, so nobody is reset").isEmpty();
        assertThat(resumed.data("sfere-reset")).isEmpty();
        assertThat(resumed.data("snapshot")).isEmpty();
        List<String> erinAfter = notes(erin).subList(notes(erin).indexOf("f2") + 1, notes(erin).size());
        assertThat(notes(resumed)).as("what dave missed, as erin got it").isEqualTo(erinAfter)
                .contains("down", "f3").doesNotHaveDuplicates();
    }

    /** Opens a stream with the id of an {@code sfere-close} and answers its status once it came. */
    private static int reconnectWithCloseId(ClusterProcess instance, String user, String closeId) {
        SseClient again = SseClient.open(instance.base(), "r/" + user + "/events", closeId);
        clients.add(again);
        await().atMost(WAIT).until(() -> again.status() != 0);
        return again.status();
    }

    /** How many streams an instance holds for a user: a direct send there answers it. */
    private static String held(ClusterProcess instance, String user) throws Exception {
        return instance.call("POST", "control/send/" + user + "?category=room&text=count");
    }

    @Test
    @Order(4)
    void leaveOnA_theClientsReconnectWithTheCloseIdToB_gets204_andRegistersNothing() throws Exception {
        SseClient frank = open(a, "frank", null);
        assertThat(a.send("POST", "r/frank/leave").statusCode()).isEqualTo(204);
        frank.await("sfere-close", "{\"cause\":\"explicit\"}");
        await().atMost(WAIT).until(frank::ended);
        String closeId = frank.lastEventId();

        assertThat(reconnectWithCloseId(b, "frank", closeId)).isEqualTo(204);
        assertThat(held(b, "frank")).as("b registered nothing").isEqualTo("0");
        assertThat(held(a, "frank")).isEqualTo("0");
        assertThat(reconnectWithCloseId(b, "gina", closeId)).as("another key's reconnect with the id")
                .isEqualTo(200);
    }

    @Test
    @Order(5)
    void aSecondStreamUnderTheNameOnB_replacesAs_whoseReconnectWithTheCloseIdToB_gets204() throws Exception {
        SseClient first = open(a, "hank", null);
        SseClient second = open(b, "hank", null);
        first.await("sfere-close", "{\"cause\":\"replaced\"}");
        await().atMost(WAIT).until(first::ended);
        assertThat(first.events().get(first.events().size() - 1).name()).isEqualTo("sfere-close");

        assertThat(reconnectWithCloseId(b, "hank", first.lastEventId())).isEqualTo(204);
        broadcast(a, "still-second");
        second.await("note", "still-second");
        assertThat(second.ended()).as("the second stream stays").isFalse();
        assertThat(held(a, "hank")).as("a holds nothing under the name").isEqualTo("0");
        assertThat(held(b, "hank")).isEqualTo("1");
    }
}
