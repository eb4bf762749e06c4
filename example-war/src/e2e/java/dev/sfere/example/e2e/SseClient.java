package dev.sfere.example.e2e;

import jakarta.json.Json;
import jakarta.json.JsonValue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open {@code text/event-stream}, read on a thread of its own into a queue of events. Comments (heartbeats)
 * are skipped; the end of the stream is an event of its own, {@link #END}.
 */
final class SseClient implements AutoCloseable {

    /**
     * An event as the browser's EventSource would see it, with the raw lines it came in (every line of the block,
     * comments included, as split at CR, LF or CRLF like an EventSource splits them), and when its dispatching blank
     * line was read, in {@link System#nanoTime()}.
     */
    record Event(String name, String data, List<String> lines, long arrived) {

        JsonValue json() {
            return Json.createReader(new StringReader(data)).readValue();
        }

        /** The value of the event's last field of a name ({@code id}, {@code retry}), or null if it has none. */
        String field(String field) {
            String value = null;
            for (String line : lines) {
                if (line.equals(field)) {
                    value = "";
                } else if (line.startsWith(field + ":")) {
                    value = SseClient.field(line, field.length() + 1);
                }
            }
            return value;
        }

        /** The event's id, or null if it has none. */
        String id() {
            return field("id");
        }
    }

    /** Stands for the end of the stream. */
    static final Event END = new Event("(end of stream)", "", List.of(), 0);

    private final String label;
    private final InputStream body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();

    private SseClient(String label, InputStream body) {
        this.label = label;
        this.body = body;
        Thread reader = new Thread(this::read, "sse-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens a stream and checks that the answer is one.
     *
     * @throws AssertionError if the answer is not 200 with {@code text/event-stream}
     */
    static SseClient open(HttpClient http, URI uri) throws IOException, InterruptedException {
        return open(http, uri, null);
    }

    /**
     * Opens a stream as an EventSource reconnects: with a {@code Last-Event-ID} header, unless it is null.
     *
     * @throws AssertionError if the answer is not 200 with {@code text/event-stream}
     */
    static SseClient open(HttpClient http, URI uri, String lastEventId) throws IOException, InterruptedException {
        return new SseClient(uri.getPath(), openEventStream(http, uri, lastEventId));
    }

    /**
     * Sends the GET of an event stream and hands back its body, once the answer is known to be one.
     *
     * @throws AssertionError if the answer is not 200 with {@code text/event-stream}
     */
    static InputStream openEventStream(HttpClient http, URI uri) throws IOException, InterruptedException {
        return openEventStream(http, uri, null);
    }

    private static InputStream openEventStream(HttpClient http, URI uri, String lastEventId)
            throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(eventStreamRequest(uri, lastEventId),
                HttpResponse.BodyHandlers.ofInputStream());
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (response.statusCode() != 200 || !type.startsWith("text/event-stream")) {
            String text;
            try (InputStream in = response.body()) {
                text = new String(in.readNBytes(2000), StandardCharsets.UTF_8);
            }
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + " " + type + ": " + text);
        }
        return response.body();
    }

    /** The GET an EventSource sends: {@code Accept: text/event-stream}, and {@code Last-Event-ID} unless null. */
    static HttpRequest eventStreamRequest(URI uri, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request.build();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = null;
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(name == null ? "message" : name, data.toString(), List.copyOf(lines),
                                System.nanoTime()));
                    }
                    name = null;
                    data = null;
                    lines.clear();
                    continue;
                }
                lines.add(line);
                if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else if (line.startsWith("event:")) {
                    name = field(line, 6);
                } else if (line.startsWith("data:")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(field(line, 5));
                }
            }
        } catch (IOException e) {
            // Closed by us or by the server: either way the stream has ended.
        } finally {
            events.add(END);
        }
    }

    private static String field(String line, int start) {
        return line.startsWith(" ", start) ? line.substring(start + 1) : line.substring(start);
    }

    /**
     * The next event.
     *
     * @throws AssertionError if none comes within the timeout
     */
    Event next(Duration timeout) throws InterruptedException {
        Event event = poll(timeout);
        if (event == null) {
            throw new AssertionError(label + ": no event within " + timeout);
        }
        return event;
    }

    /** The next event, or null if none comes within the timeout. */
    Event poll(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** How many comment lines (heartbeats) the stream has brought so far. */
    int comments() {
        return comments.get();
    }

    /** Waits for the end of the stream, skipping events; true if it ended in time. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                return false;
            }
            if (event == END) {
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
