package dev.sfere.example.e2e;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.sfere.example.e2e.LobbyAsserts.EVENT_TIMEOUT;
import static dev.sfere.example.e2e.LobbyAsserts.assertStatus;
import static dev.sfere.example.e2e.LobbyAsserts.expect;
import static dev.sfere.example.e2e.LobbyAsserts.expectName;
import static dev.sfere.example.e2e.LobbyAsserts.parse;

/**
 * The cluster mode end to end: one {@code nats-server}, the example twice on Open Liberty (two servers of one
 * installation, see {@link Runtimes#openLibertyCopy}), each told by environment variables to join the cluster.
 * alice is on the first instance and bob on the second; everything they see of each other has crossed NATS.
 * Skipped when Debian's nats-server is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLobbyE2E {

    /** Heartbeats every 5 s find a closed tab within a few intervals; generous for a loaded machine. */
    private static final Duration DEPARTURE_TIMEOUT = Duration.ofSeconds(60);
    /** Each instance connects to NATS in the background once the application has started. */
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(30);
    /** The directory's bucket and its max age, both given through environment variables. */
    private static final String BUCKET = "sfere-e2e-lobby";
    private static final Duration MAX_AGE = Duration.ofSeconds(40);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<SseClient> streams = new ArrayList<>();
    /** Who joined in the current test, and on which instance: leaving works on the instance holding the stream. */
    private final Map<String, LaunchedServer> users = new LinkedHashMap<>();
    private NatsProcess nats;
    private LaunchedServer one;
    private LaunchedServer two;
    private long testStarted;

    /**
     * Without the server the tests are skipped, each with this message: an assumption here in {@code @BeforeAll}
     * would skip the class, which failsafe reports as no tests at all and without the reason.
     */
    private static final String NO_NATS = "the cluster test needs Debian's nats-server at " + NatsProcess.BINARY
            + " (apt-get install -y nats-server); skipped";

    @BeforeAll
    void start() throws Exception {
        if (!NatsProcess.installed()) {
            E2eSettings.record("Cluster: " + NO_NATS);
            return;
        }
        long started = System.nanoTime();
        nats = NatsProcess.start();
        // MicroProfile Config finds sfere.cluster.nats.max-age in SFERE_CLUSTER_NATS_MAX_AGE: every character
        // other than a letter or digit becomes '_', in upper case. Bucket and max age are not the defaults, so that
        // environment_reachesTheLibrary can tell they were read.
        Map<String, String> cluster = Map.of("SFERE_CLUSTER_TYPE", "nats", "SFERE_CLUSTER_NATS_URL", nats.url(),
                "SFERE_CLUSTER_NATS_BUCKET", BUCKET, "SFERE_CLUSTER_NATS_MAX_AGE", MAX_AGE.toString());
        // Side by side: each server spends much of its start waiting on one thread.
        CompletableFuture<LaunchedServer> first = startAsync("sfereE2E-cluster1", "Cluster, Open Liberty 1", cluster);
        CompletableFuture<LaunchedServer> second = startAsync("sfereE2E-cluster2", "Cluster, Open Liberty 2",
                cluster);
        // Both, before either failure is thrown, so that stop() stops whichever did start.
        one = first.handle((server, failure) -> server).join();
        two = second.handle((server, failure) -> server).join();
        rethrowFailure(first);
        rethrowFailure(second);
        List<String> clients = nats.awaitClients(2, CLUSTER_TIMEOUT);
        assertEquals(2, clients.size(), "both instances connect to the NATS server, and nothing else does: " + clients
                + "; see " + one.log() + ", " + two.log() + " and " + nats.log());
        E2eSettings.record(String.format("Cluster: nats-server and two Open Liberty instances up and connected "
                + "in %.1f s", (System.nanoTime() - started) / 1e9));
    }

    private static CompletableFuture<LaunchedServer> startAsync(String copy, String name,
                                                                Map<String, String> environment) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Runtimes.openLibertyCopy(copy, name, environment);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }

    private static void rethrowFailure(CompletableFuture<LaunchedServer> start) throws Exception {
        try {
            start.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    @AfterAll
    void stop() throws IOException {
        try {
            for (LaunchedServer server : new LaunchedServer[] {one, two}) {
                if (server != null) {
                    Duration took = server.stop();
                    server.close();
                    E2eSettings.record(took == null
                            ? server.name() + ": did not stop within 90 s and was killed"
                            : String.format("%s: stopped (SIGTERM) in %.1f s", server.name(), took.toMillis() / 1e3));
                }
            }
        } finally {
            if (nats != null) {
                nats.close();
            }
        }
    }

    @BeforeEach
    void startClock() {
        Assumptions.assumeTrue(NatsProcess.installed(), NO_NATS);
        testStarted = System.nanoTime();
    }

    /** Closes the test's streams and takes its users out, then checks the directory of both instances is empty. */
    @AfterEach
    void leaveLobby(TestInfo test) throws Exception {
        if (one == null) {
            return;
        }
        for (SseClient stream : streams) {
            stream.close();
        }
        streams.clear();
        for (Map.Entry<String, LaunchedServer> user : users.entrySet()) {
            if (user.getValue().isRunning()) {
                post(user.getValue(), user.getKey() + "/leave", "");
            }
        }
        users.clear();
        E2eSettings.record(String.format("Cluster: %s took %.1f s", test.getDisplayName(),
                (System.nanoTime() - testStarted) / 1e9));
        awaitParticipants(one, "[]");
        awaitParticipants(two, "[]");
    }

    // ---- the configuration ----------------------------------------------------------------------------------

    /**
     * The environment variables reached the library through the runtime's MicroProfile Config, the dashed key
     * ({@code max-age}) too: the directory's bucket has the name given, and its entries live three quarters of
     * the max age given.
     */
    @Test
    @Order(0)
    void environment_reachesTheLibrary_bucketNameAndMaxAge() throws Exception {
        String stream = "KV_" + BUCKET;
        long deadline = System.nanoTime() + CLUSTER_TIMEOUT.toNanos();
        Map<String, JsonObject> streams = nats.streamConfigs();
        while (!streams.containsKey(stream) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            streams = nats.streamConfigs();
        }
        assertTrue(streams.containsKey(stream), "the bucket " + BUCKET + " exists on the NATS server: "
                + streams.keySet());
        assertEquals(MAX_AGE.multipliedBy(3).dividedBy(4).toNanos(),
                streams.get(stream).getJsonNumber("max_age").longValueExact(),
                "the bucket's entry TTL in nanoseconds, from " + MAX_AGE + ": " + streams.get(stream));
    }

    // ---- the browser ----------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void browser_aliceOnOneBobOnTwo_chatBothWaysAndAliceSeesBobLeave() throws Exception {
        users.put("alice", one);
        users.put("bob", two);
        users.put("watcher", one);
        try (Browser alice = new Browser("cluster-alice")) {
            try (Browser bob = new Browser("cluster-bob")) {
                alice.join(one.base(), "alice");
                // The directory is updated in the background: once instance 2 lists alice, bob's list must too.
                awaitParticipants(two, "[\"alice\"]");
                bob.join(two.base(), "bob");
                // bob's list comes from the directory (alice is on the other instance), alice's from the joined
                // event that instance 2 broadcast.
                bob.awaitParticipant("alice", EVENT_TIMEOUT);
                alice.awaitParticipant("bob", EVENT_TIMEOUT);
                awaitParticipants(one, "[\"alice\",\"bob\"]");
                awaitParticipants(two, "[\"alice\",\"bob\"]");

                alice.say("Hello bob, alice here on instance 1", null);
                bob.awaitLog("message", "Hello bob, alice here on instance 1", EVENT_TIMEOUT);
                alice.awaitLog("message", "Hello bob, alice here on instance 1", EVENT_TIMEOUT);
                bob.say("Hi alice! bob on instance 2.", null);
                alice.awaitLog("message", "bob on instance 2", EVENT_TIMEOUT);
                bob.awaitLog("message", "bob on instance 2", EVENT_TIMEOUT);

                bob.say("psst alice, across the cluster", "alice");
                String direct = alice.awaitLog("direct", "psst alice, across the cluster", EVENT_TIMEOUT);
                assertTrue(direct.contains("bob"), "the direct message names its sender: " + direct);
                bob.awaitLog("notice", "Direct message sent to alice", EVENT_TIMEOUT);

                Path shot = E2eSettings.out().resolve("lobby-cluster.png");
                alice.screenshot(shot);
                assertTrue(Files.size(shot) > 10_000, "a screenshot of the lobby was written: " + shot);

                SseClient watcher = open(one, "watcher");
                expectName(watcher, "participants");
                expect(watcher, "joined", "{\"user\":\"watcher\"}");
                bob.awaitParticipant("watcher", EVENT_TIMEOUT);
                long closed = System.nanoTime();
                bob.close();

                String left = alice.awaitLog("left", "bob left", DEPARTURE_TIMEOUT);
                E2eSettings.record(String.format("Cluster: alice's page (instance 1) showed \"%s\" %.1f s after "
                                + "bob's browser (instance 2) closed", left.substring(left.indexOf("bob left")),
                        (System.nanoTime() - closed) / 1e9));
                expect(watcher, "left", "{\"user\":\"bob\",\"reason\":\"closed\"}");
                awaitParticipants(one, "[\"alice\",\"watcher\"]");
                awaitParticipants(two, "[\"alice\",\"watcher\"]");
            }
        }
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void http_participantsOnEitherInstance_andDirectMessagesCrossInstances() throws Exception {
        SseClient alice = open(one, "alice");
        expect(alice, "participants", "[\"alice\"]");
        expect(alice, "joined", "{\"user\":\"alice\"}");
        awaitParticipants(two, "[\"alice\"]");
        SseClient bob = open(two, "bob");
        expect(bob, "participants", "[\"alice\",\"bob\"]");
        expect(bob, "joined", "{\"user\":\"bob\"}");
        expect(alice, "joined", "{\"user\":\"bob\"}");

        awaitParticipants(one, "[\"alice\",\"bob\"]");
        awaitParticipants(two, "[\"alice\",\"bob\"]");

        assertStatus(204, post(one, "alice/messages", "{\"text\":\"for bob only\",\"to\":\"bob\"}"));
        expect(bob, "message", "{\"user\":\"alice\",\"text\":\"for bob only\",\"to\":\"bob\"}");
        assertStatus(204, post(two, "bob/messages", "{\"text\":\"and this for alice\",\"to\":\"alice\"}"));
        expect(alice, "message", "{\"user\":\"bob\",\"text\":\"and this for alice\",\"to\":\"alice\"}");

        // Each stream keeps its order: if this is the next event of each, neither got the other's direct message.
        assertStatus(204, post(one, "alice/messages", "{\"text\":\"to everyone\"}"));
        expect(alice, "message", "{\"user\":\"alice\",\"text\":\"to everyone\"}");
        expect(bob, "message", "{\"user\":\"alice\",\"text\":\"to everyone\"}");

        assertStatus(404, post(one, "alice/messages", "{\"text\":\"hello?\",\"to\":\"nobody\"}"));
        // bob's stream is on instance 2; instance 1 knows him through the directory only, not as a sender.
        assertStatus(204, post(one, "bob/messages", "{\"text\":\"bob, posted to instance 1\"}"));
        expect(alice, "message", "{\"user\":\"bob\",\"text\":\"bob, posted to instance 1\"}");
        expect(bob, "message", "{\"user\":\"bob\",\"text\":\"bob, posted to instance 1\"}");

        assertStatus(204, post(two, "bob/leave", ""));
        expect(alice, "left", "{\"user\":\"bob\",\"reason\":\"leave\"}");
        assertTrue(bob.awaitEnd(EVENT_TIMEOUT), "bob's stream ends when he leaves");
        awaitParticipants(one, "[\"alice\"]");
        assertStatus(404, post(one, "bob/messages", "{\"text\":\"still here?\"}"));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private SseClient open(LaunchedServer server, String user) throws IOException, InterruptedException {
        SseClient stream = SseClient.open(http, lobby(server, user + "/events"));
        streams.add(stream);
        users.put(user, server);
        return stream;
    }

    private static URI lobby(LaunchedServer server, String path) {
        return server.base().resolve("api/lobby/" + path);
    }

    private HttpResponse<String> get(LaunchedServer server, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(lobby(server, path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(LaunchedServer server, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(lobby(server, path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Polls an instance's participants until they are the expected ones: the directory is updated in the
     * background, so another instance may list a change a moment after it happened.
     */
    private void awaitParticipants(LaunchedServer server, String json) throws IOException, InterruptedException {
        JsonValue expected = parse(json);
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        HttpResponse<String> response = get(server, "participants");
        while (!(response.statusCode() == 200 && expected.equals(parse(response.body())))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = get(server, "participants");
        }
        assertStatus(200, response);
        assertEquals(expected, parse(response.body()), server.name() + ": GET /api/lobby/participants");
    }
}
