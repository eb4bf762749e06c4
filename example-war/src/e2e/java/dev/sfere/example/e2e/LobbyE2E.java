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
        for (SseClient stream : streams) {
            stream.close();
        }
        streams.clear();
        if (server.isRunning()) {
            for (String user : users) {
                post(user + "/leave", "");
            }
        }
        users.clear();
        E2eSettings.record(String.format("%s: %s took %.1f s", server.name(), test.getDisplayName(),
                (System.nanoTime() - testStarted) / 1e9));
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
     * {@code event:} line and one {@code data:} line on the wire, whatever the text, and nothing in the text can end
     * the data line early or start another field or event. (Several {@code data:} lines take a data string with
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
                assertEquals(2, lines.size(), () -> "one event: and one data: line on the wire: " + lines);
                assertTrue(lines.get(0).startsWith("event:") && lines.get(1).startsWith("data:"),
                        () -> "event: then data: " + lines);
                JsonObject data = event.json().asJsonObject();
                assertEquals(text, data.getString("text"), "the text as sent, line breaks and all");
                assertEquals("alice", data.getString("user"));
            }
        }
    }

    // ---- text data with line breaks (the e2e WAR's test-only resource) ---------------------------------------

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
     * data lines with LF as the SSE specification says, gets the text back with every break made an LF. Checked on
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

            List<List<String>> expected = new ArrayList<>();
            expected.add(List.of("ready", "browser", ""));
            for (String text : MULTILINE_TEXTS) {
                expected.add(List.of("multi", expectedData(text), ""));
            }
            expected.add(List.of("done", "done", ""));
            assertEquals(expected, awaitBrowserEvent(browser, "done"),
                    "what Chromium's EventSource dispatched: [type, data, lastEventId]");
        }
    }

    /** One text's event, as parsed from the wire: its fields, and the data the client joins back. */
    private void assertMultilineEvent(String text, RawSseStream.Event event) {
        String what = RawSseStream.escape(text) + " went out as " + RawSseStream.escape(event.wire());
        List<String> names = event.fields().stream().map(RawSseStream.Field::name).toList();
        List<String> data = event.fields().stream().filter(field -> field.name().equals("data"))
                .map(RawSseStream.Field::value).toList();
        assertEquals("multi", event.name(), what);
        assertEquals(1, names.stream().filter(name -> !name.equals("data")).count(),
                () -> "one field besides data (event), none from the text: " + names + "; " + what);
        assertEquals(expectedDataLines(text), data, "one data line per line of the text: " + what);
        assertEquals(expectedData(text), event.data(), "the data joined back: " + what);
        assertEquals("", event.lastEventId(), "no id from the text: " + what);
    }

    /**
     * The data lines a text goes out as: one per line, the text split at CRLF, CR or LF, empty lines kept (a
     * trailing break makes an empty last line). A runtime that does otherwise overrides this, saying what it does.
     */
    List<String> expectedDataLines(String text) {
        return List.of(text.split("\r\n|\r|\n", -1));
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
