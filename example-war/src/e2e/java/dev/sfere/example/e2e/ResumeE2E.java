package dev.sfere.example.e2e;

import jakarta.json.Json;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.sfere.example.e2e.LobbyAsserts.EVENT_TIMEOUT;
import static dev.sfere.example.e2e.LobbyAsserts.assertStatus;
import static dev.sfere.example.e2e.LobbyAsserts.expect;
import static dev.sfere.example.e2e.LobbyAsserts.expectName;
import static dev.sfere.example.e2e.LobbyAsserts.parse;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 end to end, against one runtime: streams that resume after a cut, ends that stay ended, in Chromium (the
 * lobby page, and a bare EventSource with no page code of ours) and with a plain HTTP client. A subclass per runtime
 * starts its server. The test-only evictions resource keeps its record as long as the server runs, so a test looks
 * at what its own steps added to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ResumeE2E {

    /**
     * How long the example waits before telling the others that a user whose connection dropped has left
     * ({@code LobbyDepartures.GRACE}), and a margin: a test that asserts that nothing was told waits this long.
     */
    private static final Duration PAST_GRACE = Duration.ofSeconds(3 + 2);
    /** Several of the page's reconnection delays ({@code retry: 1000}): an EventSource that comes back does by then. */
    private static final Duration SEVERAL_RETRIES = Duration.ofSeconds(5);
    /** The reconnection delay the library gives clients on the first event ({@code sfere.resume.retry}). */
    private static final String RETRY = "1000";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<SseClient> streams = new ArrayList<>();
    private final Set<String> users = new HashSet<>();
    private LaunchedServer server;
    private long testStarted;

    /** Starts the runtime under test with the WAR deployed. */
    abstract LaunchedServer startServer() throws IOException;

    @BeforeAll
    void start() throws IOException {
        server = startServer();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void startClock() {
        testStarted = System.nanoTime();
    }

    /** Closes the test's streams and takes its users out of the lobby, so every test starts with it empty. */
    @AfterEach
    void leaveLobby(TestInfo test) throws Exception {
        // Leave first, then close: a runtime that notices a closed client at once (Quarkus) would otherwise evict
        // the user CLOSED before the leave, and the lobby would tell the next test's users that they left.
        if (server.isRunning()) {
            for (String user : users) {
                post(user + "/leave", "");
            }
        }
        for (SseClient stream : streams) {
            stream.close();
        }
        streams.clear();
        users.clear();
        // A page closed inside the test, on a runtime that noticed it at once, left its user CLOSED before the
        // leave above: the lobby tells the others only after its grace period, which must not reach the next test.
        Thread.sleep(departuresSettle().toMillis());
        E2eSettings.record(String.format("%s: %s took %.1f s", server.name(), test.getDisplayName(),
                (System.nanoTime() - testStarted) / 1e9));
    }

    /**
     * How long to wait after each test for the lobby to tell departures it held back: none where a closed client is
     * noticed only at a later write (the leave after each test comes first).
     */
    Duration departuresSettle() {
        return Duration.ZERO;
    }

    // ---- the page -------------------------------------------------------------------------------------------

    /**
     * A blip costs nothing. alice's browser reaches the server through a relay of the test's; bob's goes straight to
     * it. The relay cuts alice's connections, both sides (the browser sees its stream end, and the server's next
     * writes to it fail), and turns her reconnects away while bob posts four messages (as his page does, over HTTP);
     * then lets her through. Her
     * page reconnects by itself, says so meanwhile, and shows every message once and in order, with no join screen
     * and no notice of a reset; bob's page shows nothing about alice leaving or joining. Her old stream was removed
     * as closed.
     */
    @Test
    @Order(1)
    void page_connectionCut_reconnectsByItself_everyMessageOnceInOrder_othersSeeNothing() throws Exception {
        blip(true, "CLOSED");
    }

    /**
     * As {@link #page_connectionCut_reconnectsByItself_everyMessageOnceInOrder_othersSeeNothing()}, but the relay
     * closes only the browser's side and drops what the server goes on sending, as when the network between them
     * fails: the server never notices, and the resumed stream replaces the old one.
     */
    @Test
    @Order(2)
    void page_connectionLostUnnoticedByTheServer_resumedStreamReplacesTheOld_othersSeeNothing() throws Exception {
        blip(false, "REPLACED");
    }

    private void blip(boolean serverNotices, String oldStreamRemoved) throws Exception {
        users.addAll(List.of("alice", "bob"));
        List<String> evictedBefore = evictions("alice");
        try (TcpRelay relay = new TcpRelay(server.base());
             Browser alice = new Browser("resume-alice");
             Browser bob = new Browser("resume-bob")) {
            alice.join(relay.base(), "alice");
            bob.join(server.base(), "bob");
            alice.awaitParticipant("bob", EVENT_TIMEOUT);
            bob.awaitParticipant("alice", EVENT_TIMEOUT);
            watchPage(alice);

            List<String> sent = new ArrayList<>();
            say(bob, "before the cut", sent);
            alice.awaitLog("message", "before the cut", EVENT_TIMEOUT);

            int cut = serverNotices ? relay.cut(true) : relay.cutClientSide(true);
            assertTrue(cut > 0, "the relay had alice's stream open to cut");
            awaitPage(alice, "the page says it is reconnecting", "return window.e2eSeen.statuses.includes("
                    + "'Reconnecting as alice\\u2026');");
            // The browser comes back once before bob posts, and is turned away: an outage longer than a retry.
            awaitRefused(relay, 1);
            // Posted as bob's page posts, but without the page's round trips: the outage stays well within the
            // example's grace period on a loaded machine, so that the others are rightly told nothing.
            List<String> away = List.of("while alice was away 1", "while alice was away 2", "while alice was away 3",
                    "while alice was away 4");
            for (String text : away) {
                assertStatus(204, post("bob/messages", Json.createObjectBuilder().add("text", text).build()
                        .toString()));
            }
            relay.restore();
            for (String text : away) {
                bob.awaitLog("message", text, EVENT_TIMEOUT);
                sent.add(text);
            }
            awaitPage(alice, "the page is connected again", "return document.getElementById('status').textContent"
                    + " === 'Connected as alice';");
            E2eSettings.record(String.format("%s: the page's stream through the relay: %d connection(s) cut (%s), "
                    + "%d reconnect(s) turned away meanwhile", server.name(), cut, serverNotices ? "both sides"
                    : "the browser's side", relay.refused()));
            say(bob, "after alice came back", sent);
            alice.awaitLog("message", "after alice came back", EVENT_TIMEOUT);

            assertEquals(sent, messageTexts(alice), "alice's page: every message once, in order");
            // Nothing may be told for a while yet: the example tells the others only after its grace period.
            Thread.sleep(PAST_GRACE.toMillis());
            assertAll(
                    () -> assertEquals(sent, messageTexts(alice), "alice's page, later: every message once, in order"),
                    () -> assertEquals(0L, alice.script("return window.e2eSeen.joinShown;"),
                            "alice's page never showed the join screen"),
                    () -> assertEquals(List.of(), entries(alice, "notice"), "no notice (no reset) on alice's page"),
                    () -> assertEquals(List.of("bob joined"), entries(alice, "joined"), "alice's page: who joined"),
                    () -> assertEquals(List.of(), entries(alice, "left"), "alice's page: nobody left"),
                    () -> assertEquals(List.of(), entries(bob, "joined"), "bob's page: nobody joined after him"),
                    () -> assertEquals(List.of(), entries(bob, "left"), "bob's page: alice never left"),
                    () -> assertEquals(List.of("alice", "bob"), participants(), "both still in the lobby"),
                    () -> assertEquals(List.of(oldStreamRemoved), after(evictedBefore, evictions("alice")),
                            "alice's old stream was removed once"));
        }
    }

    /**
     * Two tabs under one name do not take the stream back and forth: the first tab says why it was closed and stays
     * on the join screen; seconds later the second tab is still connected and still gets messages, bob was told
     * once that alice left ("replaced") and once that she joined, and her first stream was removed once.
     */
    @Test
    @Order(3)
    void page_secondTab_firstTabSaysWhyAndStaysClosed_noBackAndForth() throws Exception {
        users.addAll(List.of("alice", "bob"));
        List<String> evictedBefore = evictions("alice");
        try (Browser alice = new Browser("tabs-alice"); Browser bob = new Browser("tabs-bob")) {
            alice.join(server.base(), "alice");
            String first = alice.tab();
            bob.join(server.base(), "bob");
            alice.awaitParticipant("bob", EVENT_TIMEOUT);

            String second = alice.newTab();
            alice.join(server.base(), "alice");
            watchPage(alice);
            alice.switchTo(first);
            String note = alice.awaitJoinNote("opened the lobby in another tab", EVENT_TIMEOUT);
            assertEquals("You opened the lobby in another tab, so this one was closed.", note);

            Thread.sleep(SEVERAL_RETRIES.toMillis());
            say(bob, "still there, second tab?", new ArrayList<>());
            alice.switchTo(second);
            alice.awaitLog("message", "still there, second tab?", EVENT_TIMEOUT);
            List<String> secondMessages = messageTexts(alice);
            Object secondStatus = alice.script("return document.getElementById('status').textContent;");
            Object secondJoins = alice.script("return window.e2eSeen.joinShown;");
            alice.switchTo(first);
            assertAll(
                    () -> assertEquals("Connected as alice", secondStatus, "the second tab is still connected"),
                    () -> assertEquals(0L, secondJoins, "the second tab never showed the join screen"),
                    () -> assertEquals(List.of("still there, second tab?"), secondMessages, "the second tab's log"),
                    () -> assertTrue(joinShown(alice), "the first tab is still on the join screen"),
                    () -> assertEquals(note, alice.script("return document.getElementById('join-note')"
                            + ".textContent;"), "the first tab still says why"),
                    () -> assertEquals("Not connected", alice.script("return document.getElementById('status')"
                            + ".textContent;"), "the first tab's status"),
                    () -> assertEquals(List.of(), messageTexts(alice), "the first tab got no message after it closed"),
                    () -> assertEquals(List.of("alice left (joined again elsewhere)"), entries(bob, "left"),
                            "bob heard alice leave once"),
                    () -> assertEquals(List.of("alice joined"), entries(bob, "joined"), "bob heard alice join once"),
                    () -> assertEquals(List.of("alice", "bob"), participants(), "alice is in the lobby once"),
                    () -> assertEquals(List.of("REPLACED"), after(evictedBefore, evictions("alice")),
                            "alice's first stream was removed once, replaced, and nothing after"));
        }
    }

    /**
     * Leave sticks: after alice clicks Leave, her page's EventSource does not come back. Seconds later the lobby has
     * no alice, bob heard her leave once and never join again.
     */
    @Test
    @Order(4)
    void page_leave_eventSourceDoesNotComeBack() throws Exception {
        users.addAll(List.of("carol", "dave"));
        List<String> evictedBefore = evictions("carol");
        try (Browser carol = new Browser("leave-carol"); Browser dave = new Browser("leave-dave")) {
            carol.join(server.base(), "carol");
            dave.join(server.base(), "dave");
            carol.awaitParticipant("dave", EVENT_TIMEOUT);
            dave.awaitParticipant("carol", EVENT_TIMEOUT);

            carol.click("leave");
            assertEquals("You left the lobby.", carol.awaitJoinNote("You left the lobby.", EVENT_TIMEOUT));
            dave.awaitLog("left", "carol left", EVENT_TIMEOUT);
            Thread.sleep(SEVERAL_RETRIES.toMillis());
            assertAll(
                    () -> assertEquals(List.of("dave"), participants(), "carol is not back in the lobby"),
                    () -> assertTrue(joinShown(carol), "carol's page stays on the join screen"),
                    () -> assertEquals(List.of("carol left"), entries(dave, "left"), "dave heard carol leave once"),
                    () -> assertEquals(List.of(), entries(dave, "joined"), "dave never heard carol join again"),
                    () -> assertEquals(List.of("EXPLICIT"), after(evictedBefore, evictions("carol")),
                            "carol's stream was removed once, by the leave"));
        }
    }

    /**
     * A leave posted from elsewhere (another device, say) while the page is open: the page gets {@code sfere-close},
     * says "You left the lobby." and stays closed.
     */
    @Test
    @Order(5)
    void page_leavePostedElsewhere_pageSaysSoAndStaysClosed() throws Exception {
        users.addAll(List.of("erin", "frank"));
        List<String> evictedBefore = evictions("erin");
        try (Browser erin = new Browser("leave-erin")) {
            erin.join(server.base(), "erin");
            SseClient frank = open("frank");
            expectName(frank, "participants");
            expect(frank, "joined", "{\"user\":\"frank\"}");
            erin.awaitParticipant("frank", EVENT_TIMEOUT);
            watchPage(erin);

            assertStatus(204, post("erin/leave", ""));
            assertEquals("You left the lobby.", erin.awaitJoinNote("You left the lobby.", EVENT_TIMEOUT));
            expect(frank, "left", "{\"user\":\"erin\",\"reason\":\"leave\"}");
            Thread.sleep(SEVERAL_RETRIES.toMillis());
            assertStatus(204, post("frank/messages", "{\"text\":\"erin gone?\"}"));
            // frank's stream keeps its order: if this is his next event, nobody joined in between.
            expect(frank, "message", "{\"user\":\"frank\",\"text\":\"erin gone?\"}");
            assertAll(
                    () -> assertEquals(List.of("frank"), participants(), "erin is not back in the lobby"),
                    () -> assertTrue(joinShown(erin), "erin's page stays on the join screen"),
                    () -> assertEquals(List.of(), messageTexts(erin), "erin's page got nothing after the close"),
                    () -> assertEquals(List.of("EXPLICIT"), after(evictedBefore, evictions("erin")),
                            "erin's stream was removed once, by the leave"));
        }
    }

    /**
     * A standard EventSource in Chromium, with no page code of ours: after a leave it gets {@code sfere-close},
     * reconnects by itself presenting that event's id, is answered 204 and so stops for good (an error with
     * readyState CLOSED); the lobby has no gina seconds later.
     */
    @Test
    @Order(6)
    void bareEventSource_leave_reconnectIsRefusedAndItStopsForGood() throws Exception {
        users.add("gina");
        List<String> evictedBefore = evictions("gina");
        try (Browser browser = new Browser("bare-gina")) {
            browser.open(server.base());
            browser.script("""
                    window.bareEvents = [];
                    const source = new EventSource(arguments[0]);
                    for (const name of ['participants', 'joined', 'left', 'message', 'sfere-close', 'sfere-reset']) {
                        source.addEventListener(name, e => window.bareEvents.push([e.type, e.data, e.lastEventId]));
                    }
                    source.onerror = () => window.bareEvents.push(['error', String(source.readyState), '']);
                    """, "/api/lobby/gina/events");
            awaitBareEvent(browser, "joined");
            assertStatus(204, post("gina/leave", ""));
            List<List<String>> events = awaitBareEvent(browser, "error", "2");
            Thread.sleep(SEVERAL_RETRIES.toMillis());
            List<List<String>> later = bareEvents(browser);
            List<String> types = later.stream().map(event -> event.get(0) + (event.get(0).equals("error")
                    ? "(" + event.get(1) + ")" : "")).toList();
            List<String> close = later.stream().filter(event -> event.get(0).equals("sfere-close")).findFirst()
                    .orElseThrow(() -> new AssertionError("no sfere-close: " + later));
            assertAll(
                    () -> assertEquals(List.of("participants", "joined", "sfere-close", "error(0)", "error(2)"), types,
                            "what the EventSource dispatched (error(0): reconnecting; error(2): closed for good): "
                                    + later),
                    () -> assertEquals(events, later, "nothing more after it closed"),
                    () -> assertEquals(parse("{\"cause\":\"explicit\"}"), parse(close.get(1)), "sfere-close data"),
                    () -> assertFalse(close.get(2).isEmpty(), "sfere-close has an id"),
                    () -> assertEquals(List.of(), participants(), "gina is not back in the lobby"),
                    () -> assertEquals(List.of("EXPLICIT"), after(evictedBefore, evictions("gina")),
                            "gina's stream was removed once, by the leave, and no stream registered after"));
        }
    }

    // ---- a plain HTTP client --------------------------------------------------------------------------------

    /**
     * A reconnect with {@code Last-Event-ID} (then with {@code ?lastEventId=}) gets what it missed, broadcasts and
     * a direct message to it, in order and once, before the live events and with nothing in between (no
     * participants, no joined); every event has an id, the first of a stream the reconnection delay; the other user
     * hears nothing of the blip.
     */
    @Test
    @Order(7)
    void http_lastEventId_replaysWhatWasMissed_onceInOrder_thenLive() throws Exception {
        SseClient hank = open("hank");
        SseClient.Event first = hank.next(EVENT_TIMEOUT);
        assertEquals("participants", first.name(), "data " + first.data());
        assertEquals(RETRY, first.field("retry"), "the first event sets the reconnection delay: " + first.lines());
        expect(hank, "joined", "{\"user\":\"hank\"}");
        SseClient ida = open("ida");
        expect(ida, "participants", "[\"hank\",\"ida\"]");
        expect(ida, "joined", "{\"user\":\"ida\"}");
        SseClient.Event seen = hank.next(EVENT_TIMEOUT);
        assertEquals("joined", seen.name());
        assertNotNull(seen.id(), "every event has an id: " + seen.lines());
        hank.close();

        List<String> missed = List.of(
                "{\"user\":\"ida\",\"text\":\"m1\"}",
                "{\"user\":\"ida\",\"text\":\"m2 for hank\",\"to\":\"hank\"}",
                "{\"user\":\"ida\",\"text\":\"m3\"}");
        assertStatus(204, post("ida/messages", "{\"text\":\"m1\"}"));
        assertStatus(204, post("ida/messages", "{\"text\":\"m2 for hank\",\"to\":\"hank\"}"));
        assertStatus(204, post("ida/messages", "{\"text\":\"m3\"}"));

        SseClient back = open("hank", seen.id());
        List<SseClient.Event> replayed = new ArrayList<>();
        for (String message : missed) {
            SseClient.Event event = back.next(EVENT_TIMEOUT);
            replayed.add(event);
            assertEquals("message", event.name(), "replayed in order, nothing before: data " + event.data());
            assertEquals(parse(message), event.json(), "replayed in order");
        }
        assertStatus(204, post("ida/messages", "{\"text\":\"m4\"}"));
        SseClient.Event live = back.next(EVENT_TIMEOUT);
        assertEquals("message", live.name(), "then live, nothing in between: data " + live.data());
        assertEquals(parse("{\"user\":\"ida\",\"text\":\"m4\"}"), live.json());
        replayed.add(live);
        List<String> ids = replayed.stream().map(SseClient.Event::id).toList();
        assertAll(
                () -> assertTrue(ids.stream().allMatch(id -> id != null && !id.isEmpty()), "every event has an id: "
                        + ids),
                () -> assertEquals(ids.size(), Set.copyOf(ids).size(), "ids differ: " + ids),
                () -> assertFalse(ids.contains(seen.id()), "none is the id presented: " + ids));

        // The query parameter, for clients that cannot set headers.
        back.close();
        assertStatus(204, post("ida/messages", "{\"text\":\"m5\"}"));
        SseClient again = openUri("hank", lobby("hank/events?lastEventId="
                + URLEncoder.encode(live.id(), StandardCharsets.UTF_8)), null);
        expect(again, "message", "{\"user\":\"ida\",\"text\":\"m5\"}");

        // ida heard nothing of hank's two blips: past the grace period, her next events are the messages.
        Thread.sleep(PAST_GRACE.toMillis());
        assertStatus(204, post("ida/messages", "{\"text\":\"m6\"}"));
        for (String text : List.of("m1", "m3", "m4", "m5", "m6")) {
            expect(ida, "message", "{\"user\":\"ida\",\"text\":\"" + text + "\"}");
        }
        expect(again, "message", "{\"user\":\"ida\",\"text\":\"m6\"}");
        assertEquals(List.of("hank", "ida"), participants());
    }

    /**
     * A resource method that does not declare the last event id among its parameters (the test-only multiline
     * resource): the library finds it through the runtime's CDI (the JAX-RS request, or the servlet request), so a
     * reconnect still gets what it missed.
     */
    @Test
    @Order(30)
    void http_lastEventId_isFoundWithoutADeclaredParameter() throws Exception {
        URI events = server.base().resolve("api/e2e/multiline/fallback/events");
        URI messages = server.base().resolve("api/e2e/multiline/messages?event=multi");
        String last;
        try (SseClient first = SseClient.open(http, events, null)) {
            expectName(first, "ready");
            assertStatus(200, http.send(HttpRequest.newBuilder(messages).POST(HttpRequest.BodyPublishers
                    .ofString("before the cut")).build(), HttpResponse.BodyHandlers.ofString()));
            SseClient.Event before = first.next(EVENT_TIMEOUT);
            assertEquals("before the cut", before.data());
            last = before.id();
        }
        assertStatus(200, http.send(HttpRequest.newBuilder(messages).POST(HttpRequest.BodyPublishers
                .ofString("while away")).build(), HttpResponse.BodyHandlers.ofString()));
        try (SseClient back = SseClient.open(http, events, last)) {
            SseClient.Event replayed = back.next(EVENT_TIMEOUT);
            assertEquals("multi", replayed.name(), () -> "the missed event first, not a new stream's: "
                    + replayed.lines());
            assertEquals("while away", replayed.data());
        }
    }

    /**
     * Ends that stay ended: after a leave, and after a second stream under the same name, the ended stream's last
     * event is {@code sfere-close} with the cause and an id; a reconnect presenting that id (header or query) is
     * answered 204 with no stream and registers nothing: the lobby is unchanged, nobody hears anything, and the
     * second stream keeps getting events.
     */
    @Test
    @Order(8)
    void http_sfereCloseId_reconnectIs204_andRegistersNothing() throws Exception {
        SseClient jack = open("jack");
        expectName(jack, "participants");
        expect(jack, "joined", "{\"user\":\"jack\"}");
        SseClient kate = open("kate");
        expectName(kate, "participants");
        expect(kate, "joined", "{\"user\":\"kate\"}");
        expect(jack, "joined", "{\"user\":\"kate\"}");

        // A leave.
        assertStatus(204, post("jack/leave", ""));
        SseClient.Event close = jack.next(EVENT_TIMEOUT);
        assertEquals("sfere-close", close.name(), "the last event of a stream ended by a leave; data "
                + close.data());
        assertEquals(parse("{\"cause\":\"explicit\"}"), close.json());
        assertNotNull(close.id(), "sfere-close has an id: " + close.lines());
        assertTrue(jack.awaitEnd(EVENT_TIMEOUT), "then the stream ends");
        expect(kate, "left", "{\"user\":\"jack\",\"reason\":\"leave\"}");
        assertAll(
                () -> assertNoStream(reconnect("jack/events", close.id())),
                () -> assertNoStream(reconnect("jack/events?lastEventId="
                        + URLEncoder.encode(close.id(), StandardCharsets.UTF_8), null)));
        assertEquals(List.of("kate"), participants(), "the refused reconnects registered nothing");

        // A second stream under the same name.
        SseClient firstTab = open("kate2");
        expectName(firstTab, "participants");
        expect(firstTab, "joined", "{\"user\":\"kate2\"}");
        expect(kate, "joined", "{\"user\":\"kate2\"}");
        SseClient secondTab = open("kate2");
        expectName(secondTab, "participants");
        SseClient.Event replaced = firstTab.next(EVENT_TIMEOUT);
        assertEquals("sfere-close", replaced.name(), "the last event of a replaced stream; data " + replaced.data());
        assertEquals(parse("{\"cause\":\"replaced\"}"), replaced.json());
        assertNotNull(replaced.id(), "sfere-close has an id: " + replaced.lines());
        assertTrue(firstTab.awaitEnd(EVENT_TIMEOUT), "then the first stream ends");
        expect(kate, "left", "{\"user\":\"kate2\",\"reason\":\"replaced\"}");
        expect(kate, "joined", "{\"user\":\"kate2\"}");
        assertNoStream(reconnect("kate2/events", replaced.id()));

        Thread.sleep(PAST_GRACE.toMillis());
        assertStatus(204, post("kate/messages", "{\"text\":\"who is here?\"}"));
        // Each stream keeps its order: if this is the next event, nothing was told or sent in between.
        expect(kate, "message", "{\"user\":\"kate\",\"text\":\"who is here?\"}");
        SseClient.Event next = secondTab.next(EVENT_TIMEOUT);
        assertEquals("joined", next.name(), "the second stream heard itself join; data " + next.data());
        expect(secondTab, "message", "{\"user\":\"kate\",\"text\":\"who is here?\"}");
        assertEquals(List.of("kate", "kate2"), participants(), "the second stream is still registered");
    }

    /**
     * All or reset: an id that cannot be resumed from (malformed; from another history) replays nothing, and the
     * stream's first event is {@code sfere-reset} with the reason; then, as for a new stream, the participants.
     */
    @Test
    @Order(9)
    void http_unusableLastEventId_firstEventIsSfereReset_thenParticipants() throws Exception {
        SseClient lena = open("lena");
        SseClient.Event any = lena.next(EVENT_TIMEOUT);
        assertNotNull(any.id(), "the library's ids: " + any.lines());
        lena.close();
        String otherHistory = "zzzzzzzz-1";
        assertNotEquals(any.id().substring(0, any.id().lastIndexOf('-')), "zzzzzzzz", "an epoch not the server's");
        for (String[] id : new String[][] {{"not an id", "malformed"}, {otherHistory, "unknown"}}) {
            SseClient stream = open("lena", id[0]);
            SseClient.Event reset = stream.next(EVENT_TIMEOUT);
            assertEquals("sfere-reset", reset.name(), "Last-Event-ID " + id[0] + ": data " + reset.data());
            assertEquals(id[1], reset.json().asJsonObject().getString("reason"), "Last-Event-ID " + id[0]);
            assertEquals(RETRY, reset.field("retry"), "the first event sets the reconnection delay: "
                    + reset.lines());
            SseClient.Event participants = stream.next(EVENT_TIMEOUT);
            assertEquals("participants", participants.name(), "then, as for a new stream; data "
                    + participants.data());
            assertEquals(parse("[\"lena\"]"), participants.json());
            assertNotNull(participants.id(), "with an id: " + participants.lines());
            stream.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Has the page post a message to everyone and waits until it is on its own log. */
    private static void say(Browser browser, String text, List<String> sent) {
        browser.say(text, null);
        browser.awaitLog("message", text, EVENT_TIMEOUT);
        sent.add(text);
    }

    /**
     * Starts recording on the page, from now on: every status text it shows, and how often the join screen was
     * shown.
     */
    static void watchPage(Browser browser) {
        browser.script("""
                const status = document.getElementById('status');
                const join = document.getElementById('join-view');
                window.e2eSeen = { statuses: [status.textContent], joinShown: 0 };
                new MutationObserver(() => window.e2eSeen.statuses.push(status.textContent))
                    .observe(status, { childList: true, characterData: true, subtree: true });
                new MutationObserver(() => { if (!join.hidden) window.e2eSeen.joinShown++; })
                    .observe(join, { attributes: true, attributeFilter: ['hidden'] });
                """);
    }

    /** Waits until the relay has turned away so many connections. */
    private static void awaitRefused(TcpRelay relay, int count) throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (relay.refused() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the browser tried to reconnect " + relay.refused() + " time(s), not "
                        + count + ", within " + EVENT_TIMEOUT);
            }
            Thread.sleep(50);
        }
    }

    /** Waits until a script run in the page returns true. */
    static void awaitPage(Browser browser, String what, String script) throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (!Boolean.TRUE.equals(browser.script(script))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + EVENT_TIMEOUT + ": " + what + "; statuses seen "
                        + browser.script("return window.e2eSeen && window.e2eSeen.statuses;"));
            }
            Thread.sleep(100);
        }
    }

    private static boolean joinShown(Browser browser) {
        return Boolean.TRUE.equals(browser.script("return !document.getElementById('join-view').hidden"
                + " && document.getElementById('lobby-view').hidden;"));
    }

    /** The texts of the message entries on the page's log (not the sender), in order. */
    @SuppressWarnings("unchecked")
    static List<String> messageTexts(Browser browser) {
        return (List<String>) browser.script("return [...document.querySelectorAll('#log li.message .text')]"
                + ".map(e => e.textContent);");
    }

    /** The entries of a kind on the page's log, without their time, in order. */
    @SuppressWarnings("unchecked")
    static List<String> entries(Browser browser, String kind) {
        return (List<String>) browser.script("return [...document.querySelectorAll('#log li.' + arguments[0])]"
                + ".map(e => [...e.querySelectorAll('span')].map(s => s.textContent).join(' '));", kind);
    }

    @SuppressWarnings("unchecked")
    private static List<List<String>> bareEvents(Browser browser) {
        return (List<List<String>>) browser.script("return window.bareEvents;");
    }

    /** Waits until the bare EventSource dispatched an event of a type (and data); returns all it dispatched. */
    private static List<List<String>> awaitBareEvent(Browser browser, String type, String... data)
            throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (true) {
            List<List<String>> events = bareEvents(browser);
            if (events.stream().anyMatch(event -> event.get(0).equals(type)
                    && (data.length == 0 || event.get(1).equals(data[0])))) {
                return events;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the EventSource dispatched no " + type + " " + List.of(data) + " within "
                        + EVENT_TIMEOUT + "; it dispatched " + events);
            }
            Thread.sleep(100);
        }
    }

    /** What was added to a list since a copy of it was taken. */
    private static List<String> after(List<String> before, List<String> now) {
        assertEquals(before, now.subList(0, Math.min(before.size(), now.size())), "the record only grows");
        return now.subList(before.size(), now.size());
    }

    /** Why the user's lobby streams were removed so far, in order, as the test-only resource saw the library say. */
    private List<String> evictions(String user) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.base().resolve("api/e2e/evictions"))
                .timeout(EVENT_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertStatus(200, response);
        JsonValue causes = parse(response.body()).asJsonObject().get(user);
        return causes == null ? List.of() : causes.asJsonArray().getValuesAs(JsonString.class).stream()
                .map(JsonString::getString).toList();
    }

    /** A GET as an EventSource reconnects, with the id in a header unless null; the whole answer, bounded. */
    private HttpResponse<String> reconnect(String path, String lastEventId) throws Exception {
        try {
            return http.sendAsync(SseClient.eventStreamRequest(lobby(path), lastEventId),
                    HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("GET " + path + " (Last-Event-ID " + lastEventId + ") gave no whole answer "
                    + "within 20 s: a stream?", e);
        }
    }

    private static void assertNoStream(HttpResponse<String> response) {
        assertStatus(204, response);
        assertEquals("", response.body(), "no body");
        assertFalse(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"),
                () -> "not a stream: " + response.headers().map());
    }

    private List<String> participants() throws Exception {
        HttpResponse<String> response = http.sendAsync(HttpRequest.newBuilder(lobby("participants")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);
        assertStatus(200, response);
        return parse(response.body()).asJsonArray().getValuesAs(JsonString.class).stream()
                .map(JsonString::getString).toList();
    }

    private URI lobby(String path) {
        return server.base().resolve("api/lobby/" + path);
    }

    private SseClient open(String user) throws IOException, InterruptedException {
        return open(user, null);
    }

    private SseClient open(String user, String lastEventId) throws IOException, InterruptedException {
        return openUri(user, lobby(user + "/events"), lastEventId);
    }

    private SseClient openUri(String user, URI uri, String lastEventId) throws IOException, InterruptedException {
        SseClient stream = SseClient.open(http, uri, lastEventId);
        streams.add(stream);
        users.add(user);
        return stream;
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(lobby(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
