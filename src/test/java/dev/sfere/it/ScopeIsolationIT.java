package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With a {@link dev.sfere.ScopeResolver} that takes the scope from the authenticated principal, a user's streams
 * land in that user's scope whatever the request says (another user's name in the path, a wildcard, encoded
 * slashes, query parameters, extra headers), broadcasts to one user's scope reach none of another user's streams,
 * and unauthenticated requests are refused before anything is stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScopeIsolationIT {

    private static final String ALICE = "Bearer t-alice-7f3a";
    private static final String BOB = "Bearer t-bob-91c2";

    /** A stream a user opened and the server accepted. */
    private record Opened(String user, ConnectionKey key, NioSseClients.Client client) {
    }

    @RegisterExtension
    static final TestServer server = TestServer.with()
            .beans(EventLog.class, PrincipalScope.class)
            .resources(InboxResource.class, TokenAuthFilter.class)
            .config("sfere.heartbeat.interval", "PT0S");

    private NioSseClients nio;
    private ConnectionStore store;
    private final List<Opened> opened = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        store = server.bean(ConnectionStore.class);
        nio = new NioSseClients(server.base());
    }

    @AfterAll
    void stop() throws Exception {
        if (nio != null) {
            nio.close();
        }
    }

    @Test
    void everyStreamLandsInItsPrincipalsScope_andBroadcastsStayThere() throws Exception {
        // The plain cases, which must be accepted, each under a key of its own.
        expectStored("alice", "s/alice/events", ALICE, "", ConnectionKey.of("alice", "inbox", "alice"));
        expectStored("bob", "s/bob/events", BOB, "", ConnectionKey.of("bob", "inbox", "bob"));
        expectStored("alice", "s/bob/events", ALICE, "", ConnectionKey.of("alice", "inbox", "bob"));
        expectStored("bob", "s/alice/events", BOB, "", ConnectionKey.of("bob", "inbox", "alice"));
        expectStored("alice", "s/*/events", ALICE, "", ConnectionKey.of("alice", "inbox", "*"));
        expectStored("alice", "s/q/events?scope=bob", ALICE, "", ConnectionKey.of("alice", "feed", "bob"));
        expectStored("alice", "s/h/events", ALICE, "X-Scope: bob\r\n", ConnectionKey.of("alice", "header", "bob"));
        expectStored("alice", "s/fwd/events", ALICE, "X-Forwarded-User: bob\r\nX-Sfere-Scope: bob\r\n"
                + "X-Remote-User: bob\r\n", ConnectionKey.of("alice", "inbox", "fwd"));
        expectStored("alice", "s/lower/events", ALICE.toLowerCase(), "", ConnectionKey.of("alice", "inbox", "lower"));

        // Tricks whose outcome is the server's business (a refusal or some id), as long as nothing lands outside
        // the caller's scope. Every id differs, so no stream replaces another.
        List<String> tricks = List.of(
                "s/bob%2Fx/events", "s/bob%2fy/events", "s/..%2Fbob/events", "s/%2E%2E/bob/events",
                "s/bob%2F%2A/events", "s/%2A/events?scope=*", "s/a1/events?scope=bob&scope=alice",
                "s/q/events?scope=bob%2F*", "s/q/events?scope=*&scope=bob", "s/m1;scope=bob/events",
                "s/bob%00/events", "s/bob%0D%0AX-Scope:%20bob/events", "s/%20bob/events",
                "s/q/events?scope=", "s//events");
        for (String path : tricks) {
            attempt("alice", path, ALICE, "");
        }
        attempt("alice", "s/h/events", ALICE, "X-Scope: *\r\n");
        attempt("alice", "s/h/events", ALICE, "X-Scope: bob\r\nX-Scope: alice\r\n");

        List<ConnectionKey> keys = store.keys();
        assertThat(keys).extracting(ConnectionKey::scope).containsOnly("alice", "bob");
        assertThat(keys).filteredOn(k -> k.scope().equals("bob"))
                .containsExactlyInAnyOrder(ConnectionKey.of("bob", "inbox", "bob"),
                        ConnectionKey.of("bob", "inbox", "alice"));

        // A broadcast to one user's scope reaches all of that user's streams and none of the other's, even the
        // other's streams whose id is this user's name.
        Broadcaster broadcaster = server.bean(Broadcaster.class);
        List<Opened> alices = opened.stream().filter(o -> o.user().equals("alice")).toList();
        List<Opened> bobs = opened.stream().filter(o -> o.user().equals("bob")).toList();
        assertThat(broadcaster.broadcast(KeyPattern.all().withScope("bob"), "secret", "for-bob"))
                .isEqualTo(bobs.size());
        assertThat(broadcaster.broadcast(KeyPattern.all().withScope("alice"), "secret", "for-alice"))
                .isEqualTo(store.count(KeyPattern.all().withScope("alice")));
        assertThat(broadcaster.broadcast(KeyPattern.all().withScope("bob"), "secret", "bob-done"))
                .isEqualTo(bobs.size());
        await("every stream got its own user's secrets").atMost(Duration.ofSeconds(20)).until(() ->
                alices.stream().allMatch(o -> o.client().saw("secret", "for-alice"))
                        && bobs.stream().allMatch(o -> o.client().saw("secret", "bob-done")));
        // Per-stream order: for-alice was sent after for-bob, bob-done after for-alice.
        for (Opened o : alices) {
            assertThat(o.client().events()).as("alice's stream %s", o.key())
                    .doesNotContain(new SseEvent("secret", "for-bob"),
                            new SseEvent("secret", "bob-done"));
        }
        for (Opened o : bobs) {
            assertThat(o.client().events()).as("bob's stream %s", o.key())
                    .doesNotContain(new SseEvent("secret", "for-alice"));
        }
    }

    @Test
    void unauthenticatedRequests_areRefused_andStoreNothing() throws Exception {
        EventLog log = server.bean(EventLog.class);
        List<String[]> attempts = List.of(
                new String[] {"s/alice/events", ""},
                new String[] {"s/bob/events", "Authorization: Bearer\r\n"},
                new String[] {"s/bob/events", "Authorization: Bearer bob\r\n"},
                new String[] {"s/bob/events", "Authorization: Bearer t-bob-91c2x\r\n"},
                new String[] {"s/bob/events", "Authorization: Basic Ym9iOmJvYg==\r\n"},
                new String[] {"s/bob/events", "Authorization: t-bob-91c2\r\n"},
                new String[] {"s/bob/events", "Authorization: Bearer t-alice-7f3a, Bearer t-bob-91c2\r\n"},
                new String[] {"s/bob/events", "Authorization: Bearer t-alice-7f3a\r\nAuthorization: Bearer t-bob-91c2\r\n"},
                new String[] {"s/alice/events", "X-Forwarded-User: alice\r\nX-Remote-User: alice\r\n"},
                new String[] {"s/q/events?scope=alice", ""},
                new String[] {"s/h/events", "X-Scope: alice\r\n"},
                new String[] {"s/*/events", ""});
        for (String[] attempt : attempts) {
            Set<ConnectionKey> before = new HashSet<>(store.keys());
            int connectedBefore = log.connected().size();
            NioSseClients.Client client = nio.openRaw(attempt[0], request(attempt[0], attempt[1]));
            await("an answer to " + attempt[0] + " with " + attempt[1]).atMost(Duration.ofSeconds(10))
                    .until(() -> client.status() != 0);
            assertThat(client.status()).as("%s with [%s]", attempt[0], attempt[1]).isIn(401, 403);
            assertThat(new HashSet<>(store.keys())).as("stored after %s", attempt[0]).isEqualTo(before);
            assertThat(log.connected()).as("connected events after %s", attempt[0]).hasSize(connectedBefore);
            client.close();
        }
    }

    /** Opens a stream that must be accepted and stored under exactly this key. */
    private void expectStored(String user, String path, String authorization, String headers, ConnectionKey key)
            throws Exception {
        Set<ConnectionKey> added = attempt(user, path, authorization, headers);
        assertThat(added).as("keys stored by %s's %s", user, path).containsExactly(key);
    }

    /**
     * Opens a stream as a user and checks that whatever it stored is in the user's scope, and that a refusal
     * stored nothing.
     *
     * @return the keys the request added
     */
    private Set<ConnectionKey> attempt(String user, String path, String authorization, String headers)
            throws Exception {
        Set<ConnectionKey> before = new HashSet<>(store.keys());
        String what = user + "'s " + path + " [" + headers.replace("\r\n", " ") + "]";
        NioSseClients.Client client = nio.openRaw(path,
                request(path, "Authorization: " + authorization + "\r\n" + headers));
        await("an answer to " + what).atMost(Duration.ofSeconds(10)).until(() -> client.status() != 0);
        if (client.status() != 200) {
            System.out.println("ScopeIsolationIT: " + what + " -> " + client.status());
            assertThat(client.status()).as(what).isBetween(400, 499);
            assertThat(new HashSet<>(store.keys())).as("stored after the refused %s", what).isEqualTo(before);
            client.close();
            return Set.of();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(!client.events().isEmpty()
                || client.ended()).as(() -> "the welcome of " + what + ": " + client).isTrue());
        Set<ConnectionKey> added = new HashSet<>(store.keys());
        added.removeAll(before);
        assertThat(client.events()).as("events of %s", what).isNotEmpty();
        SseEvent welcome = client.events().get(0);
        assertThat(welcome.name()).as("first event of %s", what).isEqualTo("welcome");
        String[] parts = welcome.data().split("/", 3);
        ConnectionKey key = ConnectionKey.of(parts[0], parts[1], parts[2]);
        assertThat(key.scope()).as("scope of %s", what).isEqualTo(user);
        assertThat(store.keys()).as("keys after %s", what).contains(key);
        assertThat(added).as("keys added by %s", what).isSubsetOf(Set.of(key));
        if (added.isEmpty()) {
            // The id decoded to one already used by this user: the new stream replaced the old one, which ends.
            Opened old = opened.stream().filter(o -> o.key().equals(key)).findFirst().orElseThrow(
                    () -> new AssertionError(what + " stored nothing new, but " + key + " was not opened before"));
            opened.remove(old);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(old.client().ended())
                    .as(() -> "replaced stream of " + old.key() + " ended: " + old.client()).isTrue());
        }
        opened.add(new Opened(user, key, client));
        System.out.println("ScopeIsolationIT: " + what + " -> 200 " + key + (added.isEmpty() ? " (replaced)" : ""));
        return added;
    }

    private String request(String path, String headers) {
        return "GET /" + path + " HTTP/1.1\r\nHost: " + server.base().getHost() + ":" + server.base().getPort()
                + "\r\nAccept: text/event-stream\r\n" + headers + "\r\n";
    }
}
