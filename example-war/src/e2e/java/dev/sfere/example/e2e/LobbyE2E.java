package dev.sfere.example.e2e;

import jakarta.json.Json;
import jakarta.json.JsonObject;
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
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.sfere.example.e2e.LobbyAsserts.EVENT_TIMEOUT;
import static dev.sfere.example.e2e.LobbyAsserts.assertStatus;
import static dev.sfere.example.e2e.LobbyAsserts.expect;
import static dev.sfere.example.e2e.LobbyAsserts.expectName;
import static dev.sfere.example.e2e.LobbyAsserts.parse;

/**
 * The lobby's HTTP contract and a two-person browser session, against one runtime. A subclass per runtime starts
 * its server; the server is stopped by the last test, which measures how long that takes with streams open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class LobbyE2E {

    /** The bound for "bob left" after his tab closes. */
    private static final Duration DEPARTURE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The write deadline the servers run with ({@code sfere.delivery.write-timeout}; the library's default is 5 s),
     * shorter to keep the stalled clients' test short.
     */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
    /** What the servers' environment adds: MicroProfile Config reads {@code sfere.a-b.c} as {@code SFERE_A_B_C}. */
    static final Map<String, String> SERVER_ENVIRONMENT = Map.of("SFERE_DELIVERY_WRITE_TIMEOUT",
            WRITE_TIMEOUT.toString());

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<SseClient> streams = new ArrayList<>();
    private final List<String> users = new ArrayList<>();
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
        E2eSettings.record(String.format("%s: %s took %.1f s", server.name(), test.getDisplayName(),
                (System.nanoTime() - testStarted) / 1e9));
    }

    // ---- health ---------------------------------------------------------------------------------------------

    /**
     * MicroProfile Health (Open Liberty's {@code mpHealth-4.0}, Payara Micro's own, WildFly's on its management port):
     * the fixed paths answer JSON whose checks include the library's, named {@code sfere}, UP, with its data; an open
     * stream shows in the readiness.
     */
    @Test
    @Order(0)
    void healthEndpoints_carryTheSfereCheck_withItsData() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        JsonObject ready = sfereCheck("health/ready");
        JsonObject live = sfereCheck("health/live");
        assertAll(
                () -> assertEquals("UP", ready.getString("status")),
                () -> assertEquals("UP", live.getString("status")),
                () -> assertEquals("1", text(ready.getJsonObject("data").get("streams")), "open streams"),
                () -> assertEquals("none", text(ready.getJsonObject("data").get("cluster"))),
                () -> assertTrue(ready.getJsonObject("data").containsKey("historyFillPercent"), ready.toString()),
                () -> assertTrue(live.getJsonObject("data").containsKey("heartbeatsLateMs"), live.toString()));
    }

    /** The check named {@code sfere} in a health endpoint's answer, which must be 200 and JSON. */
    private JsonObject sfereCheck(String path) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.healthBase().resolve("/" + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), path + ": " + answer.body());
        JsonObject body = Json.createReader(new java.io.StringReader(answer.body())).readObject();
        return body.getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                .filter(check -> "sfere".equals(check.getString("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(path + " has no sfere check: " + answer.body()));
    }

    /** A health datum as text: Open Liberty writes numbers, Payara Micro writes them as strings. */
    private static String text(JsonValue value) {
        return value instanceof JsonString string ? string.getString() : value.toString();
    }

    // ---- the browser ----------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void browser_aliceAndBob_chatDirectMessageAndDeparture() throws Exception {
        users.addAll(List.of("alice", "bob", "watcher"));
        try (Browser alice = new Browser("alice")) {
            try (Browser bob = new Browser("bob")) {
                alice.join(server.base(), "alice");
                bob.join(server.base(), "bob");
                bob.awaitParticipant("alice", EVENT_TIMEOUT);
                alice.awaitParticipant("bob", EVENT_TIMEOUT);

                alice.say("Hello bob, this is alice", null);
                bob.awaitLog("message", "Hello bob, this is alice", EVENT_TIMEOUT);
                alice.awaitLog("message", "Hello bob, this is alice", EVENT_TIMEOUT);
                bob.say("Hi alice! Nice to see you here.", null);
                alice.awaitLog("message", "Nice to see you here", EVENT_TIMEOUT);

                bob.say("psst alice, just for you", "alice");
                String direct = alice.awaitLog("direct", "psst alice, just for you", EVENT_TIMEOUT);
                assertTrue(direct.contains("bob"), "the direct message names its sender: " + direct);
                bob.awaitLog("notice", "Direct message sent to alice", EVENT_TIMEOUT);
                assertFalse(bob.logText().contains("psst alice"), "the direct message stays off bob's page: "
                        + bob.logText());

                Path shot = E2eSettings.out().resolve("lobby-" + slug(server.name()) + ".png");
                alice.screenshot(shot);
                assertTrue(Files.size(shot) > 10_000, "a screenshot of the lobby was written: " + shot);

                SseClient watcher = open("watcher");
                expectName(watcher, "participants");
                expect(watcher, "joined", "{\"user\":\"watcher\"}");
                long closed = System.nanoTime();
                bob.close();

                String left = alice.awaitLog("left", "bob left", DEPARTURE_TIMEOUT);
                E2eSettings.record(String.format("%s: alice's page showed \"%s\" %.1f s after bob's browser closed",
                        server.name(), left.substring(left.indexOf("bob left")), (System.nanoTime() - closed) / 1e9));
                expect(watcher, "left", "{\"user\":\"bob\",\"reason\":\"closed\"}");
            }
        }
    }

    // ---- the stream -----------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void events_newStream_getsParticipantsFirstThenEveryoneHearsJoined() throws Exception {
        SseClient zoe = open("zoe");
        expect(zoe, "participants", "[\"zoe\"]");
        expect(zoe, "joined", "{\"user\":\"zoe\"}");

        SseClient adam = open("adam");
        expect(adam, "participants", "[\"adam\",\"zoe\"]");
        expect(adam, "joined", "{\"user\":\"adam\"}");
        expect(zoe, "joined", "{\"user\":\"adam\"}");
    }

    @Test
    @Order(3)
    void messages_toEveryone_andDirectToOneOnly() throws Exception {
        SseClient alice = open("alice");
        expect(alice, "participants", "[\"alice\"]");
        expect(alice, "joined", "{\"user\":\"alice\"}");
        SseClient bob = open("bob");
        expect(bob, "participants", "[\"alice\",\"bob\"]");
        expect(bob, "joined", "{\"user\":\"bob\"}");
        expect(alice, "joined", "{\"user\":\"bob\"}");

        assertStatus(204, post("alice/messages", "{\"text\":\"hi all\"}"));
        expect(alice, "message", "{\"user\":\"alice\",\"text\":\"hi all\"}");
        expect(bob, "message", "{\"user\":\"alice\",\"text\":\"hi all\"}");

        assertStatus(204, post("bob/messages", "{\"text\":\"only you\",\"to\":\"alice\"}"));
        expect(alice, "message", "{\"user\":\"bob\",\"text\":\"only you\",\"to\":\"alice\"}");

        // Each stream keeps its order, so if bob's next message is this one, the direct one never reached him.
        assertStatus(204, post("alice/messages", "{\"text\":\"after\"}"));
        expect(bob, "message", "{\"user\":\"alice\",\"text\":\"after\"}");
        expect(alice, "message", "{\"user\":\"alice\",\"text\":\"after\"}");

        String longest = "x".repeat(2000);
        assertStatus(204, post("bob/messages", "{\"text\":\"" + longest + "\"}"));
        expect(bob, "message", "{\"user\":\"bob\",\"text\":\"" + longest + "\"}");
    }

    @Test
    @Order(4)
    void participants_areTheConnectedNamesSorted() throws Exception {
        assertJson("[]", get("participants"), 200);
        for (String name : List.of("mia", "Bea", "carl", "ann")) {
            SseClient stream = open(name);
            expectName(stream, "participants");
        }
        assertJson("[\"Bea\",\"ann\",\"carl\",\"mia\"]", get("participants"), 200);
    }

    @Test
    @Order(5)
    void leave_closesTheStream_andTheOthersHearWhy() throws Exception {
        SseClient alice = open("alice");
        expect(alice, "participants", "[\"alice\"]");
        expect(alice, "joined", "{\"user\":\"alice\"}");
        SseClient bob = open("bob");
        expectName(bob, "participants");
        expect(alice, "joined", "{\"user\":\"bob\"}");

        assertStatus(204, post("bob/leave", ""));
        expect(alice, "left", "{\"user\":\"bob\",\"reason\":\"leave\"}");
        assertTrue(bob.awaitEnd(EVENT_TIMEOUT), "bob's stream ends when he leaves");
        assertJson("[\"alice\"]", get("participants"), 200);
        assertStatus(404, post("bob/messages", "{\"text\":\"still here?\"}"));
    }

    @Test
    @Order(6)
    void sameName_secondStreamReplacesTheFirst() throws Exception {
        SseClient bob = open("bob");
        expectName(bob, "participants");
        expect(bob, "joined", "{\"user\":\"bob\"}");
        SseClient first = open("alice");
        expectName(first, "participants");
        expect(bob, "joined", "{\"user\":\"alice\"}");

        SseClient second = open("alice");
        expect(second, "participants", "[\"alice\",\"bob\"]");
        assertTrue(first.awaitEnd(EVENT_TIMEOUT), "the older stream of alice is closed");
        expect(bob, "left", "{\"user\":\"alice\",\"reason\":\"replaced\"}");
        expect(bob, "joined", "{\"user\":\"alice\"}");
    }

    /**
     * Several people joining at the same moment all stay connected. Regression: on Open Liberty the library lost
     * about one joiner in five, because RESTEasy refuses a blocking write from the registering request thread once
     * another thread has started non-blocking writes on the same stream (SRVE0918E). The library now holds other
     * threads' events until the stream's resource method has returned.
     */
    @Test
    @Order(12)
    void concurrentJoins_everyoneStaysConnected() throws Exception {
        List<String> names = List.of("c1", "c2", "c3", "c4", "c5", "c6");
        users.addAll(names);
        ExecutorService pool = Executors.newFixedThreadPool(names.size());
        try {
            for (int round = 0; round < 5; round++) {
                List<Callable<SseClient>> joins = new ArrayList<>();
                for (String name : names) {
                    joins.add(() -> SseClient.open(http, lobby(name + "/events")));
                }
                for (Future<SseClient> join : pool.invokeAll(joins)) {
                    streams.add(join.get());
                    // First on every new stream, whatever the others broadcast while it opened: the example sends
                    // it as a snapshot, which the library puts ahead of what was queued meanwhile.
                    expectName(streams.get(streams.size() - 1), "participants");
                }
                Thread.sleep(1000);
                assertJson("[\"c1\",\"c2\",\"c3\",\"c4\",\"c5\",\"c6\"]", get("participants"), 200);
                for (String name : names) {
                    post(name + "/leave", "");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- the error answers ----------------------------------------------------------------------------------

    @Test
    @Order(7)
    void badNames_are400WithAJsonError() {
        List<String> bad = List.of("a%20b", "x".repeat(33), "bad!", "%3Cb%3E", "a*b", "%C3%A9", "a%3Bb", "..%20");
        List<Executable> checks = new ArrayList<>();
        for (String name : bad) {
            // With a trailing slash too, which still reaches the resource methods (and which Jersey's list of path
            // segments once let past the name check).
            for (String slash : List.of("", "/")) {
                checks.add(() -> assertError(400, get(name + "/events" + slash)));
                checks.add(() -> assertError(400, post(name + "/messages" + slash, "{\"text\":\"hi\"}")));
                checks.add(() -> assertError(400, post(name + "/leave" + slash, "")));
            }
        }
        assertAll(checks);
    }

    @Test
    @Order(8)
    void badBodies_are400WithAJsonError() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        List<String> bad = List.of("", "not json", "[]", "\"hi\"", "{}", "{\"text\":5}", "{\"text\":null}",
                "{\"text\":\"hi\"", "{\"text\":\"hi\"} trailing", "{\"text\":\"\"}", "{\"text\":\"hi\",\"to\":5}",
                "{\"text\":\"hi\",\"to\":\"no body\"}", "{\"text\":\"" + "x".repeat(2001) + "\"}",
                "{\"a\":" + "[".repeat(5000) + "}");
        List<Executable> checks = new ArrayList<>();
        for (String body : bad) {
            checks.add(() -> assertError(400, post("alice/messages", body)));
        }
        assertAll(checks);
    }

    @Test
    @Order(9)
    void unknownTargetOrSenderWithoutStream_are404WithAJsonError() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        assertError(404, post("alice/messages", "{\"text\":\"hi\",\"to\":\"nobody\"}"));
        assertError(404, post("nobody/messages", "{\"text\":\"hi\"}"));
    }

    @Test
    @Order(10)
    void overlongBody_isRefused() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        byte[] huge = ("{\"text\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(lobby("alice/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                .build();
        assertError(400, http.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    @Order(11)
    void page_isServedAtTheRoot() throws Exception {
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(server.base()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertStatus(200, page);
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("lobby.js"), page.body());
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(server.base().resolve("lobby.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertStatus(200, script);
        assertTrue(script.body().contains("new EventSource("), "the page listens with EventSource");
    }

    // ---- line breaks in the data ----------------------------------------------------------------------------

    /**
     * A text with line breaks reaches every client intact, and cannot forge events. The contract's data is JSON, so
     * JSON-B writes CR and LF inside the text as the escapes {@code \r} and {@code \n}: every event is one
     * {@code event:} line, the library's {@code id:} line and one {@code data:} line on the wire, whatever the text,
     * and nothing in the text can end the data line early or start another field or event (its {@code id: 666} least
     * of all). (Several {@code data:} lines take a data string with
     * raw line breaks, which the lobby never sends: see the test-only resource's test,
     * {@link #textData_withLineBreaks_isOneDataLinePerLine_joinedBackByTheClient()}.)
     */
    @Test
    @Order(13)
    void messages_withLineBreaks_arriveIntactOnOneDataLine_andForgeNoEvents() throws Exception {
        SseClient alice = open("alice");
        expect(alice, "participants", "[\"alice\"]");
        expect(alice, "joined", "{\"user\":\"alice\"}");
        SseClient bob = open("bob");
        expectName(bob, "participants");
        expect(bob, "joined", "{\"user\":\"bob\"}");
        expect(alice, "joined", "{\"user\":\"bob\"}");

        List<String> texts = List.of(
                "first line\nsecond line\nthird line",
                "windows\r\nline\r\nbreaks\r\n",
                "old mac\rline break",
                "x\nevent: fake\ndata: y",
                "x\n\nevent: left\nid: 666\nretry: 1\ndata: {\"user\":\"alice\",\"reason\":\"leave\"}\n\n",
                ": not a comment\r\n\r\ndata: z\r\r",
                "\u2028unicode\u2029separators\u0085too",
                "the end");
        for (String text : texts) {
            assertStatus(204, post("alice/messages", Json.createObjectBuilder().add("text", text).build().toString()));
        }
        // Every stream keeps its order, so a forged event would come before "the end" and fail the checks below.
        for (SseClient stream : List.of(alice, bob)) {
            for (String text : texts) {
                SseClient.Event event = stream.next(EVENT_TIMEOUT);
                List<String> lines = event.lines();
                assertEquals("message", event.name(), () -> "event name; lines " + lines);
                // Every event the library delivers carries its id (issue 18), which is all it adds.
                assertEquals(3, lines.size(), () -> "one event:, one id: and one data: line on the wire: " + lines);
                List<String> fields = fieldsBesidesData();
                assertTrue(lines.get(0).startsWith(fields.get(0) + ":") && lines.get(1).startsWith(fields.get(1) + ":")
                        && lines.get(2).startsWith("data:"), () -> fields + ", then data: " + lines);
                assertTrue(LIBRARY_ID.matcher(event.id()).matches(), () -> "the library's id, none from the text: "
                        + lines);
                JsonObject data = event.json().asJsonObject();
                assertEquals(text, data.getString("text"), "the text as sent, line breaks and all");
                assertEquals("alice", data.getString("user"));
            }
        }
    }

    // ---- text data with line breaks (the e2e WAR's test-only resource) ---------------------------------------

    /** What the library's ids look like ({@code <epoch>-<sequence>}): a text's "id: 666" would not match. */
    static final Pattern LIBRARY_ID = Pattern.compile("[0-9a-z]+-[0-9]+");

    /**
     * Texts with LF, CRLF and lone CR line breaks, an empty line inside, a trailing break, leading spaces, and lines
     * that would start fields or events of their own if a line break reached the wire unguarded.
     */
    private static final List<String> MULTILINE_TEXTS = List.of(
            "line one\nline two\r\nline three\rline four",
            "a\n\nb",
            "end\n",
            "x\n\nevent: forged\nid: 666\nretry: 1\ndata: fake\n\n",
            "cr\revent: forged\rid: 667\r\rdata: fake",
            "\n\r\nafter two empty lines",
            " one leading space\r\n  two");

    /**
     * Text data with line breaks, sent as text (not JSON) with {@code OutboundEvents.text} by the e2e WAR's test-only
     * resource, goes on the wire as one {@code data:} line per line of the text, whatever the break (LF, CRLF, CR),
     * empty lines included; no line of the text becomes a field or an event of its own; and the client, joining the
     * data lines with LF as the SSE specification says, gets the text back with every break made an LF. The only
     * other fields are the name and the library's id, the same id for one broadcast on both streams. Checked on
     * the raw bytes (parsed here as the specification's EventSource parses them) and in Chromium's EventSource,
     * both receiving the same broadcast.
     */
    @Test
    @Order(17)
    void textData_withLineBreaks_isOneDataLinePerLine_joinedBackByTheClient() throws Exception {
        try (RawSseStream raw = RawSseStream.open(http, multiline("raw/events"));
             Browser browser = new Browser("multiline")) {
            raw.awaitEvent("ready", EVENT_TIMEOUT);
            browser.open(server.base());
            browser.script("""
                    window.sfereEvents = [];
                    const source = new EventSource(arguments[0]);
                    for (const name of ['ready', 'multi', 'done', 'forged', 'message']) {
                        source.addEventListener(name, e => window.sfereEvents.push([e.type, e.data, e.lastEventId]));
                    }
                    source.onerror = () => window.sfereEvents.push(['error', String(source.readyState), '']);
                    """, "/api/e2e/multiline/browser/events");
            awaitBrowserEvent(browser, "ready");

            for (String text : MULTILINE_TEXTS) {
                assertEquals("2", sendMultiline("multi", text), "both streams took the event");
            }
            assertEquals("2", sendMultiline("done", "done"), "both streams took the event");

            List<RawSseStream.Event> events = raw.awaitEvent("done", EVENT_TIMEOUT);
            StringBuilder wire = new StringBuilder();
            for (RawSseStream.Event event : events) {
                wire.append(RawSseStream.escape(event.wire()));
            }
            E2eSettings.record(server.name() + ": text events with line breaks on the wire: " + wire);
            assertEquals("ready", events.get(0).name(), "the ready event first: " + wire);
            List<RawSseStream.Event> sent = events.subList(1, events.size() - 1);
            assertEquals(MULTILINE_TEXTS.size(), sent.size(), "one event per text, no more: " + wire);
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                String text = MULTILINE_TEXTS.get(i);
                RawSseStream.Event event = sent.get(i);
                checks.add(() -> assertMultilineEvent(text, event));
            }
            assertAll(checks);

            // Each broadcast is stamped once, so the browser's events carry the same ids as the raw stream's; its
            // ready event, sent to it alone, an id of its own.
            List<List<String>> dispatched = awaitBrowserEvent(browser, "done");
            String browserReady = dispatched.get(0).get(2);
            assertTrue(LIBRARY_ID.matcher(browserReady).matches()
                    && !browserReady.equals(events.get(0).lastEventId()),
                    () -> "the browser's ready event has an id of its own: " + dispatched.get(0));
            List<List<String>> expected = new ArrayList<>();
            expected.add(List.of("ready", "browser", browserReady));
            for (int i = 0; i < MULTILINE_TEXTS.size(); i++) {
                expected.add(List.of("multi", expectedData(MULTILINE_TEXTS.get(i)), sent.get(i).lastEventId()));
            }
            expected.add(List.of("done", "done", events.get(events.size() - 1).lastEventId()));
            assertEquals(expected, dispatched, "what Chromium's EventSource dispatched: [type, data, lastEventId]");
        }
    }

    /** One text's event, as parsed from the wire: its fields, and the data the client joins back. */
    private void assertMultilineEvent(String text, RawSseStream.Event event) {
        String what = RawSseStream.escape(text) + " went out as " + RawSseStream.escape(event.wire());
        List<String> names = event.fields().stream().map(RawSseStream.Field::name).toList();
        List<String> data = event.fields().stream().filter(field -> field.name().equals("data"))
                .map(RawSseStream.Field::value).toList();
        assertEquals("multi", event.name(), what);
        // Besides data, the event's name and the id the library gives every event it delivers (issue 18).
        assertEquals(fieldsBesidesData(), names.stream().filter(name -> !name.equals("data")).toList(),
                () -> "two fields besides data (event, id), none from the text: " + names + "; " + what);
        assertEquals(expectedDataLines(text), data, "one data line per line of the text: " + what);
        assertEquals(expectedData(text), event.data(), "the data joined back: " + what);
        assertTrue(LIBRARY_ID.matcher(event.lastEventId()).matches(), "the library's id, none from the text: "
                + what);
    }

    /**
     * The data lines a text goes out as: one per line, the text split at CRLF, CR or LF, empty lines kept (a
     * trailing break makes an empty last line). A runtime that does otherwise overrides this, saying what it does.
     */
    List<String> expectedDataLines(String text) {
        return List.of(text.split("\r\n|\r|\n", -1));
    }

    /**
     * Not one data line per line: RESTEasy (Open Liberty 26.0.0.3 and WildFly 39.0.1, RESTEasy 6.2, its
     * SseEventProvider) writes {@code "data: "}, then the text with every run of CR and LF bytes made one line break
     * followed by {@code "data: "} for the next non-break byte. So CRLF and a lone CR are one break each, as they
     * should be, and nothing in the text can start a field or an event; but empty lines are lost: {@code "a\n\nb"}
     * arrives as {@code "a\nb"}, a trailing break is dropped ({@code "end\n"} is written {@code "data: end\n\n\n"},
     * the last blank line dispatching nothing), and breaks at the start count once ({@code "\n\r\nx"} is written
     * {@code "data: \ndata: x"}).
     */
    static List<String> resteasyDataLines(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("[\\r\\n]+", -1)));
        if (lines.size() > 1 && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /** The fields the runtime writes before an event's data, in its order: the event's name, then the id. */
    List<String> fieldsBesidesData() {
        return List.of("event", "id");
    }

    /** The data an EventSource gets back from those lines: joined with LF. */
    String expectedData(String text) {
        return String.join("\n", expectedDataLines(text));
    }

    /**
     * A key part the client sent that the library refuses (here an id of 310 characters, over the 256 allowed) is
     * answered 400 by the library's interceptor with a plain-text body naming the part and the value, on both
     * runtimes, even to a client that asked for an event stream. Not the lobby, whose own name check comes first.
     */
    @Test
    @Order(18)
    void invalidKeyPart_is400WithPlainTextSayingWhy() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(multiline("x".repeat(300) + "/events"))
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        HttpResponse<String> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .get(20, TimeUnit.SECONDS);
        assertStatus(400, response);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                () -> "Content-Type " + response.headers().firstValue("Content-Type"));
        assertEquals("id must be at most 256 characters, got 310 starting \"multiline-" + "x".repeat(22) + "\"",
                response.body());
    }

    private URI multiline(String path) {
        return server.base().resolve("api/e2e/multiline/" + path);
    }

    /** Broadcasts a text, as it is, to the multiline streams; the answer is how many took it. */
    private String sendMultiline(String event, String text) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(multiline("messages?event=" + event))
                .header("Content-Type", "text/plain; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertStatus(200, response);
        return response.body();
    }

    /** Waits until the page's EventSource has dispatched an event of a type; returns all it dispatched so far. */
    @SuppressWarnings("unchecked")
    private static List<List<String>> awaitBrowserEvent(Browser browser, String type) throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (true) {
            List<List<String>> events = (List<List<String>>) browser.script("return window.sfereEvents;");
            if (events.stream().anyMatch(event -> event.get(0).equals(type))) {
                return events;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page's EventSource dispatched no " + type + " within " + EVENT_TIMEOUT
                        + "; it dispatched " + events);
            }
            Thread.sleep(100);
        }
    }

    // ---- hostile input --------------------------------------------------------------------------------------

    /**
     * A body far over the lobby's 32 KiB is refused without being read whole: the 400 comes while the client is
     * still sending, or the server cuts the connection. Over a raw socket, so that the bytes sent can be counted:
     * once with a Content-Length the server can refuse at once, once chunked, where only reading tells.
     */
    @Test
    @Order(15)
    void hugeBody_isRefusedBeforeItIsAllSent() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        assertAll(() -> assertRefusedEarly(false), () -> assertRefusedEarly(true));
    }

    private void assertRefusedEarly(boolean chunked) throws Exception {
        long total = 10L * 1024 * 1024;
        String how = chunked ? "chunked" : "Content-Length " + total;
        try (Socket socket = new Socket()) {
            // A small send buffer, so that bytes "sent" are close to bytes the server took.
            socket.setSendBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress(server.base().getHost(), server.base().getPort()), 5000);
            socket.setSoTimeout(30_000);
            CompletableFuture<String> statusLine = new CompletableFuture<>();
            StringBuilder answer = new StringBuilder();
            Thread reader = new Thread(() -> readAnswer(socket, statusLine, answer), "e2e-huge-body-reader");
            reader.setDaemon(true);
            reader.start();
            // A writer blocked on a server that neither reads nor answers would hang the test: close it after 30 s.
            AtomicBoolean closedByTest = new AtomicBoolean();
            ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
            watchdog.schedule(() -> {
                closedByTest.set(true);
                socket.close();
                return null;
            }, 30, TimeUnit.SECONDS);

            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/lobby/alice/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + total + "\r\n")
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] piece = new byte[64 * 1024];
            Arrays.fill(piece, (byte) 'x');
            byte[] start = "{\"text\":\"".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(start, 0, piece, 0, start.length);
            long sent = 0;
            String cut = null;
            long began = System.nanoTime();
            try {
                while (sent < total && !statusLine.isDone()) {
                    int length = (int) Math.min(piece.length, total - sent);
                    if (chunked) {
                        out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(piece, 0, length);
                    if (chunked) {
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    sent += length;
                    // Only the body's first bytes are the JSON start.
                    Arrays.fill(piece, 0, start.length, (byte) 'x');
                }
                if (chunked && sent == total) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException e) {
                cut = e.toString();
            }
            String status;
            try {
                status = statusLine.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                status = null;
            } finally {
                watchdog.shutdownNow();
            }
            E2eSettings.record(String.format("%s: a 10 MiB body (%s): %,d bytes written in %.1f s, then %s", server.name(),
                    how, sent, (System.nanoTime() - began) / 1e9,
                    status != null ? "answered \"" + status + "\"" : "no answer" + (cut != null ? "; " + cut : "")));
            String what = how + ": sent " + sent + " of " + total + " bytes; answer " + status + "; write failure "
                    + cut + "; answer text " + abbreviate(answer.toString());
            assertFalse(closedByTest.get(), "the server neither answered nor cut the connection within 30 s: " + what);
            assertTrue(sent < total, "refused before the whole body was sent: " + what);
            if (status != null) {
                assertTrue(status.startsWith("HTTP/1.1 4"), what);
                assertFalse(status.startsWith("HTTP/1.1 5"), what);
            } else {
                assertNotNull(cut, "without an answer the connection was cut: " + what);
            }
        }
    }

    /** Reads the status line (completing the future with it, or with null at the end of the stream), then the rest. */
    private static void readAnswer(Socket socket, CompletableFuture<String> statusLine, StringBuilder answer) {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != -1; b = in.read()) {
                synchronized (answer) {
                    answer.append((char) b);
                }
                if (!statusLine.isDone()) {
                    if (b == '\n') {
                        statusLine.complete(line.toString(StandardCharsets.US_ASCII).strip());
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            // Reset or closed: what was read is kept.
        } finally {
            statusLine.complete(null);
        }
    }

    /**
     * Names outside the contract never make the server fail: every request is answered with a 400 or 404 and,
     * where the application answers, the JSON error. The raw path is sent as is (no normalisation by the client).
     * The dot names are the exception: {@code .} and {@code ..} are made of the contract's characters, so a runtime
     * may take them as user names (Open Liberty does, for {@code ..} in the raw path) as well as resolve them away
     * (then the path is unknown, a 404); either way, never a server error.
     */
    @Test
    @Order(14)
    void hostileNames_are400Or404_neverAServerError() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("a star", "*");
        names.put("empty", "");
        names.put("10,000 characters", "x".repeat(10_000));
        names.put("SOH", "a%01b");
        names.put("LF", "a%0Ab");
        names.put("CR LF", "%0D%0A");
        names.put("DEL", "a%7Fb");
        names.put("NUL", "a%00b");
        names.put("encoded slash", "a%2Fb");
        names.put("encoded backslash", "a%5Cb");
        names.put("snowman", "%E2%98%83");
        names.put("emoji", "%F0%9F%98%80");
        names.put("cyrillic", "%D0%B1%D0%BE%D0%B1");
        names.put("bad UTF-8", "%C3%28");
        names.put("dot dot", "..");
        names.put("encoded dot dot", "%2E%2E");
        names.put("dot", ".");
        List<Executable> checks = new ArrayList<>();
        for (Map.Entry<String, String> name : names.entrySet()) {
            for (String[] request : new String[][] {{"GET", "events"}, {"POST", "messages"}, {"POST", "leave"}}) {
                checks.add(() -> assertRefused(name.getKey(), request[0], name.getValue() + "/" + request[1]));
            }
        }
        try {
            assertAll(checks);
        } finally {
            for (String dots : DOT_NAMES) {
                uncheckedPost(names.get(dots) + "/leave");
            }
        }
        assertJson("[]", uncheckedGet("participants"), 200);
    }

    /** The hostile names made only of the contract's characters. */
    private static final Set<String> DOT_NAMES = Set.of("dot", "dot dot", "encoded dot dot");

    /**
     * One hostile name's answer: 400 or 404, JSON {"error": ...} unless {@link #containerAnswers} says the web
     * container itself may answer that name before the application sees it.
     */
    private void assertRefused(String label, String method, String path) throws Exception {
        URI uri = URI.create(server.base() + "api/lobby/" + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(EVENT_TIMEOUT)
                .header("Accept", "text/event-stream, application/json");
        request = method.equals("GET") ? request.GET()
                : request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\"}"));
        // A client of its own, so a new connection: Payara answers the 10,000-character name with a 400 and closes
        // the connection without "Connection: close", and a shared client then sent the next POST into the closed
        // connection ("header parser received no bytes").
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<InputStream> response;
        try {
            response = fresh.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new AssertionError(label + ": " + method + " " + abbreviate(path) + " got no answer: " + e, e);
        }
        int status = response.statusCode();
        String type = response.headers().firstValue("Content-Type").orElse("");
        String body;
        try (InputStream in = response.body()) {
            // A stream never ends: don't read it.
            body = type.startsWith("text/event-stream") ? "(a stream)"
                    : new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
        String what = label + ": " + method + " " + abbreviate(path) + " answered " + status + " " + type + " "
                + abbreviate(body);
        assertTrue(status < 500, what);
        if (DOT_NAMES.contains(label)) {
            boolean asUser = method.equals("GET") ? status == 200 && type.startsWith("text/event-stream")
                    : status == 204;
            assertTrue(asUser || status == 400 || status == 404, what);
            return;
        }
        assertTrue(status == 400 || status == 404, what);
        if (!containerAnswers(label)) {
            assertTrue(type.startsWith("application/json"), what);
            JsonObject error = parse(body).asJsonObject();
            assertTrue(error.size() == 1 && error.get("error") instanceof JsonString message
                    && !message.getString().isBlank(), what);
        }
    }

    /**
     * Whether the runtime's web container answers a hostile name itself (with its own HTML page), before JAX-RS
     * and the lobby's JSON answers see the request. None by default.
     */
    boolean containerAnswers(String label) {
        return false;
    }

    private HttpResponse<String> uncheckedGet(String path) {
        try {
            return get(path);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void uncheckedPost(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.base() + "api/lobby/" + path))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...(" + text.length() + " chars)";
    }

    // ---- threads --------------------------------------------------------------------------------------------

    /**
     * Heartbeats run on the container's default managed scheduled executor where the runtime has one, and then the
     * server JVM has no thread of the library's own ({@code sfere-*}); without one, on the library's own
     * {@code sfere-heartbeat} thread. Checked while two streams are open and heartbeat comments reach them.
     */
    @Test
    @Order(16)
    void heartbeats_runOnTheContainersThreads_whereItHasAManagedExecutor() throws Exception {
        SseClient alice = open("alice");
        expectName(alice, "participants");
        SseClient bob = open("bob");
        expectName(bob, "participants");
        // The example's heartbeat interval is 5 s; a stream quiet that long gets a comment.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((alice.comments() == 0 || bob.comments() == 0) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(alice.comments() > 0 && bob.comments() > 0, "heartbeat comments reach both streams");

        List<String> threads = server.threadNames();
        List<String> own = threads.stream().filter(name -> name.startsWith("sfere-")).sorted().toList();
        E2eSettings.record(String.format("%s: %d threads with 2 streams open; the library's own: %s", server.name(),
                threads.size(), own));
        if (hasManagedScheduledExecutor()) {
            assertEquals(List.of(), own, "no thread of the library's own while the container has managed ones");
        } else {
            // The library's own heartbeat thread is there (named sfere-heartbeat, or sfere-heartbeat-N in newer
            // versions, which may also run sfere-delivery-N threads of their own).
            assertTrue(own.stream().anyMatch(name -> name.startsWith("sfere-heartbeat")),
                    "without a managed executor, heartbeats run on the library's own thread: " + own);
        }
    }

    /**
     * Whether the runtime, as the example configures it, binds {@code java:comp/DefaultManagedScheduledExecutorService}.
     */
    abstract boolean hasManagedScheduledExecutor();

    // ---- clients that stop reading --------------------------------------------------------------------------

    /** How many stalled clients the test opens: 200, or {@code -De2e.stalled.count=N} (issue 17's 1,000, say). */
    private static final int STALLED = Integer.getInteger("e2e.stalled.count", 200);
    /**
     * How many messages of 2 KB the flood posts: enough to fill the buffers of a client that never reads, so that
     * the server's writes to it block. On Linux the kernel grows a loopback socket's send buffer to 4 MiB, which
     * takes about 2.8 MB of events, and the runtime buffers some more: with 200 such clients, Open Liberty's writes
     * to them blocked after about 2,000 messages, Payara's (with the 64 KiB send buffer of the example's preboot
     * commands) after about 2,200.
     */
    private static final int FLOOD = Integer.getInteger("e2e.stalled.flood", 3_000);
    /** How many messages the flood may be ahead of the reader. */
    private static final int FLOOD_WINDOW = 100;
    /** How many probes the reader's delivery time is measured with before the flood. */
    private static final int PROBES = 30;
    /** How many messages warm the server before the reader's delivery time is first measured. */
    private static final int WARM_UP = 500;
    /** Beyond the write deadline, how long the last stalled stream may take to go once the flood has ended. */
    private static final Duration EVICTION_MARGIN = Duration.ofSeconds(10);
    /**
     * How long after the last eviction the server's threads may take to come back to where they were, none left in a
     * delivery write: the write deadline's interrupts end most blocked writes at once, the runtime's own write
     * time-out that the example ships (7 s from the write's start) ends the rest, and idle delivery threads end after
     * 10 s; a margin.
     */
    private static final Duration THREADS_TIMEOUT = Duration.ofSeconds(25);
    /**
     * How long the thread dumps after the evictions are taken, waiting for the blocked writes to end, when they do
     * not within {@link #THREADS_TIMEOUT}: past the runtimes' own write time-outs (Open Liberty 60 s, Grizzly 30 s),
     * so that the record says when they did.
     */
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(70);
    /** What {@link #participantsWithin} answers when the time ran out. */
    private static final long NEVER = Long.MIN_VALUE;

    /**
     * Issue 17's end-to-end check. Streams held by clients that never read cost a reading client little: while a
     * flood of 2 KB messages fills their buffers until the server's writes to them block, the reader gets every
     * message, once and in order; every stalled stream is given up {@code SLOW} within the write deadline (the
     * example tells the others {@code closed}, its contract having no {@code slow}); and the server's threads come
     * back to where they were soon after, which they cannot while a blocked write the library gave up on still holds
     * its thread until the runtime's own write time-out. The reader's delivery times, the evictions, thread counts
     * and descriptors are recorded, not asserted beyond that (the machine is shared); thread dumps of the blocked
     * writes, when the flood ended and after the evictions, are kept in the e2e folder
     * ({@code stalled-<runtime>-*.txt}).
     */
    @Test
    @Order(19)
    void stalledClients_areEvictedSlowAtTheWriteDeadline_whileTheReaderGetsEveryMessage() throws Exception {
        String label = slug(server.name());
        SseClient stream = open("reader");
        expect(stream, "participants", "[\"reader\"]");
        expect(stream, "joined", "{\"user\":\"reader\"}");
        List<String> stalledUsers = IntStream.range(0, STALLED).mapToObj(i -> "s" + i).toList();
        users.addAll(stalledUsers);
        try (DeliveryLog reader = new DeliveryLog(stream, "reader")) {
            // Warm, so that the times alone are not those of a server that has just started.
            for (int i = 0; i < WARM_UP; i++) {
                while (i - reader.count("w") > FLOOD_WINDOW) {
                    Thread.sleep(1);
                }
                assertStatus(204, postBounded("reader/messages", message(String.format("w%04d", i))));
            }
            List<Long> quiet = probes(reader, "q", PROBES);
            ThreadDump alone = ThreadDump.parse(server.threadDump());
            long descriptorsBefore = server.descriptors();
            List<Long> idle;
            ThreadDump baseline;
            Flood flood;
            Aftermath after;
            long descriptorsOpen;
            try (StalledSockets stalled = StalledSockets.open(server.base(), stalledUsers)) {
                awaitParticipants(STALLED + 1, Duration.ofSeconds(30));
                idle = probes(reader, "i", PROBES);
                // After the stalled clients connected: request threads the runtime started for their 200 requests
                // are its own to keep (Payara started some 100 to 130 more, and kept them).
                baseline = ThreadDump.parse(server.threadDump());
                flood = flood(reader);
                after = aftermath(label, flood, baseline);
                descriptorsOpen = server.descriptors();
            }
            Thread.sleep(2000);
            long descriptorsClosed = server.descriptors();

            double seconds = (flood.ended() - flood.started()) / 1e9;
            E2eSettings.record(String.format("%s: stalled clients: %d messages of 2 KB in %.1f s (%.0f/s); "
                            + "participants during the flood: %s", server.name(), FLOOD, seconds, FLOOD / seconds,
                    flood.drops()));
            E2eSettings.record(String.format("%s: stalled clients: the reader's delivery time (post to arrival), "
                            + "median / max ms: %s alone, %s with %d stalled clients connected, %s during the flood "
                            + "until the last was evicted (%d probes, the slowest sent %.1f s into the flood); ratio "
                            + "during / alone: median %.2f, max %.2f; the flood's own messages: %s", server.name(),
                    stats(quiet), stats(idle), STALLED, stats(flood.probes()), flood.probes().size(),
                    flood.slowestProbeAt() / 1e9, median(flood.probes()) / (double) median(quiet),
                    max(flood.probes()) / (double) max(quiet), stats(flood.deliveries(reader))));
            E2eSettings.record(String.format("%s: stalled clients: %d delivery writes in progress when the flood "
                            + "ended; the last stalled stream gone %s; threads back, no write in progress, %s; then "
                            + "(s after that: writes in progress, threads): %s", server.name(),
                    flood.atEnd().deliveryWrites().size(),
                    flood.evicted() == NEVER ? "NOT within " + WRITE_TIMEOUT.plus(EVICTION_MARGIN)
                            : String.format("%.1f s after it", (flood.evicted() - flood.ended()) / 1e9),
                    after.threadsBack() == NEVER || flood.evicted() == NEVER ? "NOT seen"
                            : String.format("%.1f s after that", (after.threadsBack() - flood.evicted()) / 1e9),
                    after.samples()));
            E2eSettings.record(String.format("%s: stalled clients: threads %d with the reader alone, %d with the "
                            + "stalled clients connected (%s more), %d when the flood ended, %d at the last dump; "
                            + "more than with the stalled clients connected, by kind: when the flood ended %s, at the "
                            + "last dump %s; file descriptors %d with the reader alone, %d after the evictions with "
                            + "the sockets still open, %d once they were closed", server.name(),
                    alone.threads().size(), baseline.threads().size(), moreThan(baseline, alone),
                    flood.atEnd().threads().size(), after.last().threads().size(), moreThan(flood.atEnd(), baseline),
                    moreThan(after.last(), baseline), descriptorsBefore, descriptorsOpen, descriptorsClosed));

            assertTrue(flood.evicted() != NEVER, () -> "every stalled stream gone within the write deadline, "
                    + WRITE_TIMEOUT + ", and " + EVICTION_MARGIN + " of the flood's end; participants during the "
                    + "flood: " + flood.drops());
            assertEveryMessageOnceInOrder(reader);
            assertEveryStalledClientLeftSlow(reader, stalledUsers);
            assertTrue(after.threadsBack() != NEVER && after.threadsBack() - flood.evicted()
                            <= THREADS_TIMEOUT.toNanos(), () -> "the server's threads back to "
                            + baseline.threads().size() + ", none in a delivery write, within " + THREADS_TIMEOUT
                            + " of the last eviction; "
                            + "(s after it: writes in progress, threads): " + after.samples() + "; more than before: "
                            + moreThan(after.last(), baseline) + "; dumps in " + E2eSettings.out());
        }
    }

    /**
     * What the flood did: when it started and ended, when each message was posted, the reader's probes meanwhile
     * (ns), the participant counts as they fell, a thread dump taken as it ended, and when the last stalled stream
     * was gone ({@link #NEVER} if not within the write deadline and a margin).
     */
    private record Flood(long started, long ended, long[] posted, List<Long> probes, List<Long> probesSent,
                         List<String> drops, ThreadDump atEnd, long evicted) {

        /** When the slowest probe was sent, ns after the flood started. */
        long slowestProbeAt() {
            int slowest = probes.indexOf(max(probes));
            return slowest < 0 ? 0 : probesSent.get(slowest) - started;
        }

        /** Each flood message's delivery time to the reader, ns; {@link Long#MAX_VALUE} for one that never came. */
        List<Long> deliveries(DeliveryLog reader) {
            Map<String, Long> arrived = new LinkedHashMap<>();
            for (DeliveryLog.Arrival arrival : reader.messages()) {
                arrived.putIfAbsent(arrival.tag(), arrival.arrived());
            }
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < posted.length; i++) {
                Long at = arrived.get(floodTag(i));
                times.add(at == null ? Long.MAX_VALUE : at - posted[i]);
            }
            return times;
        }
    }

    /**
     * After the evictions: samples of the writes in progress and the thread count ("+seconds: writes, threads"),
     * when the threads were back to the baseline ({@link #NEVER} if not), and the last dump.
     */
    private record Aftermath(List<String> samples, long threadsBack, ThreadDump last) {
    }

    /**
     * Posts {@link #FLOOD} messages from the reader, never more than {@link #FLOOD_WINDOW} ahead of it, while probes
     * time the reader from the flood's start until the last stalled stream is gone.
     */
    private Flood flood(DeliveryLog reader) throws Exception {
        long[] posted = new long[FLOOD];
        List<Long> probes = new ArrayList<>();
        List<Long> probesSent = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService helpers = Executors.newFixedThreadPool(2);
        Future<?> prober = helpers.submit(() -> {
            for (int i = 0; flooding.get(); i++) {
                probesSent.add(System.nanoTime());
                probes.add(probe(reader, String.format("d%04d", i)));
                Thread.sleep(50);
            }
            return null;
        });
        Future<?> watcher = helpers.submit(() -> {
            int last = STALLED + 1;
            while (flooding.get()) {
                int now = participants().size();
                if (now != last) {
                    drops.add(String.format("%d at %.1f s (%d posted)", now, (System.nanoTime() - started) / 1e9,
                            sent.get()));
                    last = now;
                }
                Thread.sleep(100);
            }
            return null;
        });
        long ended;
        ThreadDump atEnd;
        long evicted;
        try {
            for (int i = 0; i < FLOOD; i++) {
                // The flood is to fill the stalled clients' buffers, not the reader's queue: a queue of
                // sfere.connection.queue-size events would evict the reader SLOW as well.
                while (i - reader.count("f") > FLOOD_WINDOW) {
                    Thread.sleep(1);
                }
                posted[i] = System.nanoTime();
                assertStatus(204, postBounded("reader/messages", message(floodTag(i))));
                sent.incrementAndGet();
            }
            ended = System.nanoTime();
            atEnd = ThreadDump.parse(server.threadDump());
            evicted = participantsWithin(1, WRITE_TIMEOUT.plus(EVICTION_MARGIN));
        } finally {
            flooding.set(false);
            helpers.shutdown();
        }
        prober.get(2, TimeUnit.MINUTES);
        watcher.get(1, TimeUnit.MINUTES);
        return new Flood(started, ended, posted, probes, probesSent, drops, atEnd, evicted);
    }

    /**
     * Thread dumps after the evictions, until no delivery write is in progress and the threads are back to the
     * baseline, or {@link #RELEASE_TIMEOUT} has passed; the first and last are kept with the one from the flood's end.
     */
    private Aftermath aftermath(String label, Flood flood, ThreadDump baseline) throws Exception {
        long since = flood.evicted() != NEVER ? flood.evicted() : System.nanoTime();
        List<String> samples = new ArrayList<>();
        ThreadDump first = null;
        long threadsBack = NEVER;
        while (true) {
            ThreadDump dump = ThreadDump.parse(server.threadDump());
            long at = System.nanoTime();
            first = first == null ? dump : first;
            int writes = dump.deliveryWrites().size();
            int threads = dump.threads().size();
            samples.add(String.format("+%.1f: %d, %d", (at - since) / 1e9, writes, threads));
            // Back means both: no more threads than before the flood, and none still in a delivery write (a thread
            // count alone can hide a few writes the runtime still holds behind delivery threads that ended idle).
            if (threads <= baseline.threads().size() && writes == 0 && threadsBack == NEVER) {
                threadsBack = at;
            }
            if ((writes == 0 && threadsBack != NEVER) || at - since > RELEASE_TIMEOUT.toNanos()) {
                saveDumps(label, flood.atEnd(), first, dump);
                return new Aftermath(samples, threadsBack, dump);
            }
            Thread.sleep(500);
        }
    }

    private static String floodTag(int i) {
        return String.format("f%05d", i);
    }

    /** A message of 2,000 characters, the most the lobby takes, whose text starts with a tag and a space. */
    private static String message(String tag) {
        return "{\"text\":\"" + tag + " " + "x".repeat(2000 - tag.length() - 1) + "\"}";
    }

    /** Posts one message from the reader and waits for it on the reader's stream: the time it took, in ns. */
    private long probe(DeliveryLog reader, String tag) throws Exception {
        CompletableFuture<Long> arrival = reader.arrival(tag);
        long sent = System.nanoTime();
        assertStatus(204, postBounded("reader/messages", message(tag)));
        return arrival.get(90, TimeUnit.SECONDS) - sent;
    }

    private List<Long> probes(DeliveryLog reader, String prefix, int count) throws Exception {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            times.add(probe(reader, String.format("%s%04d", prefix, i)));
            Thread.sleep(50);
        }
        return times;
    }

    /** Every message the test posted reached the reader once, each sender's in the order they were posted. */
    private static void assertEveryMessageOnceInOrder(DeliveryLog reader) {
        List<String> tags = reader.messages().stream().map(DeliveryLog.Arrival::tag).toList();
        List<Executable> checks = new ArrayList<>();
        for (String prefix : List.of("w", "q", "i", "d", "f")) {
            List<String> got = tags.stream().filter(tag -> tag.startsWith(prefix)).toList();
            checks.add(() -> {
                for (int i = 0; i < got.size(); i++) {
                    String expected = prefix.equals("f") ? floodTag(i) : String.format("%s%04d", prefix, i);
                    int index = i;
                    assertEquals(expected, got.get(i), () -> "message " + index + " from " + prefix + ": once and "
                            + "in order; got " + got.subList(Math.max(0, index - 3), Math.min(got.size(), index + 3)));
                }
            });
        }
        checks.add(() -> assertEquals(FLOOD, tags.stream().filter(tag -> tag.startsWith("f")).count(),
                "every message of the flood reached the reader"));
        assertAll(checks);
    }

    /**
     * The reader heard each stalled client leave once, as {@code closed}: the contract's fixed reasons have no
     * {@code slow}, and the example tells a client too slow to keep up as one that went away. Why each stream went
     * is asked of the e2e WAR's test-only resource, which observes the library's evictions: {@code SLOW}, once.
     */
    private void assertEveryStalledClientLeftSlow(DeliveryLog reader, List<String> stalledUsers) throws Exception {
        Set<String> stalled = Set.copyOf(stalledUsers);
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (reader.lefts().stream().filter(left -> stalled.contains(left.user())).count() < STALLED
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<DeliveryLog.Left> lefts = reader.lefts().stream().filter(left -> stalled.contains(left.user())).toList();
        HttpResponse<String> evictions = http.send(HttpRequest.newBuilder(server.base().resolve("api/e2e/evictions"))
                .timeout(EVENT_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertStatus(200, evictions);
        JsonObject causes = parse(evictions.body()).asJsonObject();
        Set<String> heard = lefts.stream().map(DeliveryLog.Left::user).collect(Collectors.toSet());
        List<String> unheard = stalledUsers.stream().filter(user -> !heard.contains(user))
                .map(user -> user + " (evicted " + causes.get(user) + ")").toList();
        JsonValue slowOnce = parse("[\"SLOW\"]");
        List<String> notSlow = stalledUsers.stream().filter(user -> !slowOnce.equals(causes.get(user)))
                .map(user -> user + " " + causes.get(user)).toList();
        assertAll(
                () -> assertEquals(List.of(), unheard, "a left event for every stalled client"),
                () -> assertEquals(STALLED, lefts.size(), () -> "one left event per stalled client: " + lefts),
                () -> assertEquals(Set.of("closed"), lefts.stream().map(DeliveryLog.Left::reason)
                        .collect(Collectors.toSet()), "the reason the others are told"),
                () -> assertEquals(List.of(), notSlow, "every stalled stream evicted SLOW, once"));
    }

    /** Waits until the participants are this many. */
    private void awaitParticipants(int count, Duration timeout) throws Exception {
        if (participantsWithin(count, timeout) == NEVER) {
            throw new AssertionError(participants().size() + " participants, not " + count + ", after " + timeout);
        }
    }

    /**
     * Waits until the participants are this many.
     *
     * @return when they were, in {@link System#nanoTime()}, or {@link #NEVER}
     */
    private long participantsWithin(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (participants().size() != count) {
            if (System.nanoTime() > deadline) {
                return NEVER;
            }
            Thread.sleep(50);
        }
        return System.nanoTime();
    }

    private List<String> participants() throws IOException, InterruptedException {
        HttpResponse<String> response = get("participants");
        assertStatus(200, response);
        return parse(response.body()).asJsonArray().getValuesAs(JsonString.class).stream()
                .map(JsonString::getString).toList();
    }

    /** Keeps the dumps, and the stacks of the delivery writes in them, in the e2e folder. */
    private static void saveDumps(String label, ThreadDump atEnd, ThreadDump first, ThreadDump last)
            throws IOException {
        Path out = E2eSettings.out();
        Map<String, ThreadDump> dumps = new LinkedHashMap<>();
        dumps.put("1-flood-end", atEnd);
        dumps.put("2-after-evictions", first);
        dumps.put("3-last", last);
        StringBuilder writes = new StringBuilder();
        for (Map.Entry<String, ThreadDump> dump : dumps.entrySet()) {
            Files.writeString(out.resolve("stalled-" + label + "-" + dump.getKey() + ".txt"), dump.getValue().text());
            writes.append("==== ").append(dump.getKey()).append(": ")
                    .append(dump.getValue().deliveryWrites().size()).append(" threads in a delivery write\n\n");
            dump.getValue().deliveryWrites().stream().limit(2).forEach(thread -> writes.append(thread.show(45))
                    .append('\n'));
        }
        // What became of the threads that were writing when the flood ended.
        Set<String> writers = atEnd.deliveryWrites().stream().map(ThreadDump.Entry::name).collect(Collectors.toSet());
        writes.append("==== the flood's writers after the evictions\n\n");
        first.threads().stream().filter(thread -> writers.contains(thread.name())).limit(3)
                .forEach(thread -> writes.append(thread.show(15)).append('\n'));
        Files.writeString(out.resolve("stalled-" + label + "-writes.txt"), writes.toString());
    }

    /** The kinds of thread of which {@code dump} has more than {@code than}, with how many more. */
    private static Map<String, Integer> moreThan(ThreadDump dump, ThreadDump than) {
        Map<String, Integer> more = new TreeMap<>();
        Map<String, Integer> theirs = than.kinds();
        dump.kinds().forEach((kind, count) -> {
            if (count > theirs.getOrDefault(kind, 0)) {
                more.put(kind, count - theirs.getOrDefault(kind, 0));
            }
        });
        return more;
    }

    /** Median and max, in ms. */
    private static String stats(List<Long> nanos) {
        return String.format("%.1f / %.1f", median(nanos) / 1e6, max(nanos) / 1e6);
    }

    private static long median(List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> nanos) {
        return nanos.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    // ---- stopping -------------------------------------------------------------------------------------------

    /** Last: stopping the server with streams open. The library closes them, so the server need not wait. */
    @Test
    @Order(100)
    void stop_withOpenStreams_endsEveryStream() throws Exception {
        List<SseClient> open = new ArrayList<>();
        for (String name : List.of("s1", "s2", "s3")) {
            SseClient stream = open(name);
            expectName(stream, "participants");
            open.add(stream);
        }
        Duration took = server.stop();
        assertNotNull(took, server.name() + " did not stop within 90 s and was killed; see " + server.log());
        E2eSettings.record(String.format("%s: stopped (SIGTERM) with 3 streams open in %.1f s", server.name(),
                took.toMillis() / 1e3));
        // Seconds, not the 30 s Open Liberty waits for open requests: the library closes its streams at JVM exit.
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0,
                server.name() + " took " + took + " to stop with streams open; see " + server.log());
        for (SseClient stream : open) {
            assertTrue(stream.awaitEnd(Duration.ofSeconds(5)), "every stream has ended once the server stopped");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private URI lobby(String path) {
        return server.base().resolve("api/lobby/" + path);
    }

    private SseClient open(String user) throws IOException, InterruptedException {
        SseClient stream = SseClient.open(http, lobby(user + "/events"));
        streams.add(stream);
        if (!users.contains(user)) {
            users.add(user);
        }
        return stream;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        // Bounded, body included, so that a request wrongly answered with an open stream fails instead of waiting
        // for ever (a request's own time-out ends with the headers).
        try {
            return http.sendAsync(HttpRequest.newBuilder(lobby(path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("GET " + path + " gave no whole answer within 20 s", e);
        }
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(lobby(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A POST that gives up after 30 s, for the flood: a server that stops answering fails the test, not hangs it. */
    private HttpResponse<String> postBounded(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(lobby(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertJson(String json, HttpResponse<String> response, int status) {
        assertStatus(status, response);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals(parse(json), parse(response.body()));
    }

    /** The status, and the body {@code {"error": "..."}} with a non-empty message. */
    private static void assertError(int status, HttpResponse<String> response) {
        assertStatus(status, response);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                () -> response.request().uri() + " error answer is JSON: " + response.headers().map());
        JsonValue body = parse(response.body());
        assertEquals(JsonValue.ValueType.OBJECT, body.getValueType(), response.body());
        JsonObject object = body.asJsonObject();
        assertEquals(1, object.size(), response.body());
        assertTrue(object.get("error") instanceof JsonString message && !message.getString().isBlank(),
                response.body());
    }

    private static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replace(' ', '-');
    }
}
