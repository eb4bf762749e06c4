package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.SfereConnected;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.client.Entity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The resume contract over real HTTP (Jersey on Grizzly): ids, {@code Last-Event-ID}, all or reset, and ends that stay
 * ended. A client's connection is cut by closing its socket, as a dropped network does; it then reconnects as an
 * {@code EventSource} does, presenting the last id it received.
 */
class ResumeIT {

    private static final ConnectionKey ALICE = ResumeResource.key("alice");
    private static final ConnectionKey BOB = ResumeResource.key("bob");

    @RegisterExtension
    final TestServer server = TestServer.with().beans(EventLog.class).resources(ResumeResource.class)
            .config("sfere.heartbeat.interval", "PT0S");

    private Broadcaster broadcaster() {
        return server.bean(Broadcaster.class);
    }

    private static final KeyPattern ROOM = KeyPattern.of(KeyPattern.literal("default"),
            KeyPattern.literal(ResumeResource.CATEGORY), KeyPattern.ANY);

    private void message(String text) {
        broadcaster().broadcast(ROOM, "message", text);
    }

    private static List<String> messages(SseClient client) {
        return client.data("message");
    }

    private SseClient open(String user, String lastEventId) {
        return SseClient.open(server.base(), "r/" + user + "/events", lastEventId);
    }

    private static long sequence(String id) {
        return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
    }

    @Test
    void everyEvent_carriesAnId_strictlyIncreasing_andTheFirstSetsTheReconnectionDelay() {
        try (SseClient alice = open("alice", null)) {
            alice.await("snapshot", "NEW");
            for (int i = 0; i < 20; i++) {
                message("m" + i);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> messages(alice).size() == 20);
            List<String> ids = alice.ids();
            assertThat(ids).doesNotContainNull().doesNotHaveDuplicates();
            assertThat(ids.stream().map(ResumeIT::sequence).toList()).isSorted();
            assertThat(alice.retry()).as("the default sfere.resume.retry").isEqualTo(1000);
        }
    }

    @Test
    void cutAndResumed_getsEveryMissedEvent_broadcastsAndDirectSends_inOrder_once_andNoSnapshot() {
        EventLog log = server.bean(EventLog.class);
        String last;
        try (SseClient alice = open("alice", null); SseClient bob = open("bob", null)) {
            alice.await("snapshot", "NEW");
            bob.await("snapshot", "NEW");
            message("before");
            alice.await("message", "before");
            last = alice.lastEventId();
        }
        // Away: the server has not even noticed yet. Broadcasts, a broadcast that leaves alice out, a direct send.
        message("away-1");
        broadcaster().broadcast(ROOM, Set.of(ALICE),
                broadcaster().event("message", "not-for-alice"));
        broadcaster().send(ALICE, "message", "away-direct");
        broadcaster().send(BOB, "message", "bob-only");
        message("away-2");

        try (SseClient alice = open("alice", last)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> messages(alice).size() == 3);
            message("live");
            alice.await("message", "live");
            assertThat(messages(alice)).containsExactly("away-1", "away-direct", "away-2", "live");
            assertThat(alice.data("snapshot")).as("a resumed stream needs no snapshot").isEmpty();
            assertThat(alice.data("sfere-reset")).isEmpty();
            assertThat(alice.ids().stream().map(ResumeIT::sequence).toList()).isSorted().doesNotHaveDuplicates();
            assertThat(sequence(alice.ids().get(0))).isGreaterThan(sequence(last));
        }
        assertThat(log.connected()).contains(new SfereConnected(ALICE, Resumption.RESUMED));
    }

    @Test
    void broadcastsRacingTheResume_noGap_noRepeat_atTheSeam() throws Exception {
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        List<String> received = new ArrayList<>();
        String last;
        SseClient first = open("alice", null);
        first.await("snapshot", "NEW");
        Thread sender = new Thread(() -> {
            while (sending.get()) {
                message(Integer.toString(sent.getAndIncrement()));
                // Paced, so the history (4 MB by default) holds what the cut client misses.
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        });
        sender.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> messages(first).size() >= 50);
            first.close();
            received.addAll(messages(first));
            last = first.ids().get(first.ids().size() - 1);
            try (SseClient second = open("alice", last)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> messages(second).size() >= 200);
                sending.set(false);
                sender.join(5_000);
                int total = sent.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> received.size() + messages(second).size() >= total);
                received.addAll(messages(second));
                assertThat(second.data("sfere-reset")).isEmpty();
                assertThat(received).as("every event once, in order, across the cut")
                        .containsExactlyElementsOf(IntStream.range(0, total).mapToObj(Integer::toString).toList());
            }
        } finally {
            sending.set(false);
            sender.join(5_000);
        }
    }

    @Test
    void unknownMalformedAndOtherEpochIds_areReset_withNothingReplayed() {
        String last;
        try (SseClient alice = open("alice", null)) {
            alice.await("snapshot", "NEW");
            message("one");
            alice.await("message", "one");
            last = alice.lastEventId();
        }
        message("missed");
        String epoch = last.substring(0, last.lastIndexOf('-'));
        String[][] cases = {
                {"not an id", "malformed"},
                {"zzzzzzzz-1", "unknown"},
                {epoch + "-" + (sequence(last) + 1_000_000), "unknown"},
        };
        for (String[] c : cases) {
            String resetId;
            try (SseClient alice = open("alice", c[0])) {
                alice.await("snapshot", "RESET");
                assertThat(alice.events().get(0).name()).as("the first event, for " + c[0]).isEqualTo("sfere-reset");
                assertThat(alice.events().get(0).data()).isEqualTo("{\"reason\":\"" + c[1] + "\"}");
                assertThat(messages(alice)).as("nothing replayed").isEmpty();
                resetId = alice.ids().get(0);
                assertThat(resetId).as("the reset's id").startsWith(epoch + "-");
                assertThat(alice.ids().stream().map(ResumeIT::sequence).toList()).isSorted().doesNotHaveDuplicates();
            }
            // The reset is a starting point: a drop right after it resumes from it.
            message("after-reset-" + c[1]);
            try (SseClient alice = open("alice", resetId)) {
                alice.await("message", "after-reset-" + c[1]);
                assertThat(alice.data("sfere-reset")).isEmpty();
            }
        }
    }

    @Test
    void anIdOlderThanTheWindow_isReset() {
        server.config("sfere.resume.window", "PT1S");
        String last;
        try (SseClient alice = open("alice", null)) {
            alice.await("snapshot", "NEW");
            message("old");
            alice.await("message", "old");
            last = alice.lastEventId();
        }
        await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
        message("after");
        try (SseClient alice = open("alice", last)) {
            alice.await("sfere-reset", "{\"reason\":\"expired\"}");
            alice.await("snapshot", "RESET");
            assertThat(messages(alice)).isEmpty();
        }
    }

    @Test
    void resumingOff_everyReconnectIsReset() {
        server.config("sfere.resume.window", "PT0S");
        String last;
        try (SseClient alice = open("alice", null)) {
            alice.await("snapshot", "NEW");
            message("one");
            alice.await("message", "one");
            last = alice.lastEventId();
        }
        message("missed");
        try (SseClient alice = open("alice", last)) {
            alice.await("sfere-reset", "{\"reason\":\"disabled\"}");
            assertThat(messages(alice)).isEmpty();
        }
    }

    @Test
    void leave_endsWithSfereClose_andTheClientsOwnReconnect_gets204_andRegistersNothing() {
        String closeId;
        try (SseClient alice = open("alice", null)) {
            alice.await("snapshot", "NEW");
            assertThat(server.target("r/alice/leave").request().post(Entity.text("")).getStatus()).isEqualTo(204);
            alice.await("sfere-close", "{\"cause\":\"explicit\"}");
            await().atMost(Duration.ofSeconds(5)).until(alice::ended);
            closeId = alice.lastEventId();
            assertThat(alice.events().get(alice.events().size() - 1).name()).isEqualTo("sfere-close");
        }
        try (SseClient again = open("alice", closeId)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> again.status() != 0);
            assertThat(again.status()).isEqualTo(204);
            assertThat(server.bean(ConnectionStore.class).keys()).doesNotContain(ALICE);
        }
        // Another key presenting the id is not bob's end: bob is registered.
        try (SseClient bob = open("bob", closeId)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.bean(ConnectionStore.class).keys().contains(BOB)
                    && bob.status() != 0);
            assertThat(bob.status()).isEqualTo(200);
        }
    }

    @Test
    void twoTabsUnderOneName_theOlderGetsSfereCloseReplaced_andStaysClosed() {
        try (SseClient first = open("alice", null)) {
            first.await("snapshot", "NEW");
            try (SseClient second = open("alice", null)) {
                second.await("snapshot", "NEW");
                first.await("sfere-close", "{\"cause\":\"replaced\"}");
                await().atMost(Duration.ofSeconds(5)).until(first::ended);
                // The first tab's EventSource reconnects by itself with the close id, and is told to stop.
                try (SseClient reconnect = open("alice", first.lastEventId())) {
                    await().atMost(Duration.ofSeconds(5)).until(() -> reconnect.status() != 0);
                    assertThat(reconnect.status()).isEqualTo(204);
                }
                message("still-second");
                second.await("message", "still-second");
                assertThat(second.ended()).isFalse();
            }
        }
    }
}
