package dev.sfere.example.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static dev.sfere.example.e2e.LobbyAsserts.EVENT_TIMEOUT;
import static dev.sfere.example.e2e.LobbyAsserts.assertStatus;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resuming across instances in a real browser: one {@code nats-server}, the example on two Open Liberty servers, and
 * a relay of the test's as the load balancer in front of them. alice's page reaches instance 1 through the relay;
 * instance 1 is stopped, the relay sends new connections to instance 2, and her page reconnects there by itself,
 * showing every message posted meanwhile, with no join screen. Skipped when Debian's nats-server is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterResumeE2E {

    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(30);
    private static final String NO_NATS = "the cluster test needs Debian's nats-server at " + NatsProcess.BINARY
            + " (apt-get install -y nats-server); skipped";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private NatsProcess nats;
    private LaunchedServer one;
    private LaunchedServer two;

    @BeforeAll
    void start() throws Exception {
        if (!NatsProcess.installed()) {
            E2eSettings.record("Cluster resume: " + NO_NATS);
            return;
        }
        nats = NatsProcess.start();
        Map<String, String> cluster = Map.of("SFERE_CLUSTER_TYPE", "nats", "SFERE_CLUSTER_NATS_URL", nats.url(),
                "SFERE_CLUSTER_NATS_BUCKET", "sfere-e2e-resume");
        CompletableFuture<LaunchedServer> first = startAsync("sfereE2E-resume1", "Cluster resume, Open Liberty 1",
                cluster);
        CompletableFuture<LaunchedServer> second = startAsync("sfereE2E-resume2", "Cluster resume, Open Liberty 2",
                cluster);
        one = first.handle((server, failure) -> server).join();
        two = second.handle((server, failure) -> server).join();
        first.join();
        second.join();
        assertEquals(2, nats.awaitClients(2, CLUSTER_TIMEOUT).size(), "both instances connect to NATS");
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

    @AfterAll
    void stop() throws IOException {
        try {
            for (LaunchedServer server : new LaunchedServer[] {one, two}) {
                if (server != null) {
                    if (server.isRunning()) {
                        server.stop();
                    }
                    server.close();
                }
            }
        } finally {
            if (nats != null) {
                nats.close();
            }
        }
    }

    @Test
    void page_instanceStopped_reconnectsThroughTheBalancerToTheOther_everyMessageOnceInOrder_noJoinScreen()
            throws Exception {
        Assumptions.assumeTrue(NatsProcess.installed(), NO_NATS);
        try (TcpRelay balancer = new TcpRelay(one.base());
             Browser alice = new Browser("cluster-resume-alice");
             Browser bob = new Browser("cluster-resume-bob")) {
            alice.join(balancer.base(), "alice");
            bob.join(two.base(), "bob");
            alice.awaitParticipant("bob", EVENT_TIMEOUT);
            bob.awaitParticipant("alice", EVENT_TIMEOUT);
            ResumeE2E.watchPage(alice);

            List<String> sent = new ArrayList<>();
            bob.say("before instance 1 stops", null);
            alice.awaitLog("message", "before instance 1 stops", EVENT_TIMEOUT);
            sent.add("before instance 1 stops");

            // The balancer turns alice's page away while instance 1 stops and bob posts, then sends it to instance 2.
            balancer.cut(true);
            balancer.retarget(two.base());
            long stopping = System.nanoTime();
            Duration took = one.stop();
            List<String> away = List.of("while instance 1 was down 1", "while instance 1 was down 2",
                    "while instance 1 was down 3");
            for (String text : away) {
                HttpRequest post = HttpRequest.newBuilder(two.base().resolve("api/lobby/bob/messages"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"" + text + "\"}")).build();
                assertStatus(204, http.send(post, HttpResponse.BodyHandlers.ofString()));
                bob.awaitLog("message", text, EVENT_TIMEOUT);
                sent.add(text);
            }
            // The page retries about a second after it sees its stream end: let it be turned away once at least,
            // so the test shows a reconnect that failed while instance 1 was down.
            long refusedBy = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (balancer.refused() == 0 && System.nanoTime() < refusedBy) {
                Thread.sleep(100);
            }
            balancer.restore();
            ResumeE2E.awaitPage(alice, "the page is connected again", "return document.getElementById('status')"
                    + ".textContent === 'Connected as alice' && window.e2eSeen.statuses.length > 1;");
            E2eSettings.record(String.format("Cluster resume: instance 1 stopped in %s; alice's page back on "
                    + "instance 2 %.1f s after the stop began, %d reconnect(s) turned away meanwhile",
                    took, (System.nanoTime() - stopping) / 1e9, balancer.refused()));
            bob.say("after alice came back", null);
            alice.awaitLog("message", "after alice came back", EVENT_TIMEOUT);
            sent.add("after alice came back");

            assertAll(
                    () -> assertEquals(sent, ResumeE2E.messageTexts(alice), "alice's page: every message once, "
                            + "in order"),
                    () -> assertEquals(0L, alice.script("return window.e2eSeen.joinShown;"),
                            "alice's page never showed the join screen"),
                    () -> assertEquals(List.of(), ResumeE2E.entries(alice, "notice"),
                            "no notice (no reset) on alice's page"),
                    () -> assertTrue(balancer.refused() > 0, "the page tried to come back while instance 1 was "
                            + "down, and was turned away"));
        }
    }
}
