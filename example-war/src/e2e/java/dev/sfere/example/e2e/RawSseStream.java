package dev.sfere.example.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One open {@code text/event-stream} kept byte for byte, read on a thread of its own, and parsed on demand the way
 * the SSE specification's EventSource parses it (HTML Living Standard, "Interpreting an event stream"). Unlike
 * {@link SseClient}, it keeps which line terminator the server wrote, so a test can tell CR from LF from CRLF.
 */
final class RawSseStream implements AutoCloseable {

    /**
     * A dispatched event as an EventSource sees it, with the fields it came in (comments left out, in wire order,
     * each as name and value after the spec's one-space trim) and its exact text on the wire, from just after the
     * previous event's dispatching blank line to its own inclusive, so blank lines that dispatched nothing and heartbeat
     * comments included: the wires of all events put together are the stream's text.
     */
    record Event(String name, String data, String lastEventId, List<Field> fields, String wire) {
    }

    /** A field line: the name before the first colon (the whole line if none), and the value. */
    record Field(String name, String value) {
    }

    private final String label;
    private final InputStream body;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile boolean ended;

    private RawSseStream(String label, InputStream body) {
        this.label = label;
        this.body = body;
        Thread reader = new Thread(this::read, "raw-sse-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens a stream and checks that the answer is one.
     *
     * @throws AssertionError if the answer is not 200 with {@code text/event-stream}
     */
    static RawSseStream open(HttpClient http, URI uri) throws IOException, InterruptedException {
        return new RawSseStream(uri.getPath(), SseClient.openEventStream(http, uri));
    }

    private void read() {
        byte[] buffer = new byte[8192];
        try (InputStream in = body) {
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                synchronized (bytes) {
                    bytes.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // Closed by us or by the server: either way the stream has ended.
        } finally {
            ended = true;
        }
    }

    /** Everything received so far, decoded as UTF-8. */
    String text() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** The events an EventSource would have dispatched from what has been received so far. */
    List<Event> events() {
        return parse(text());
    }

    /**
     * Waits until an event of a name has been dispatched; returns every event dispatched until then, that one
     * included.
     *
     * @throws AssertionError if none comes within the timeout; the message holds the raw text received
     */
    List<Event> awaitEvent(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Event> events = events();
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).name().equals(name)) {
                    return List.copyOf(events.subList(0, i + 1));
                }
            }
            if (ended || System.nanoTime() > deadline) {
                throw new AssertionError(label + ": no event " + name + (ended ? " before the stream ended" : " within "
                        + timeout) + "; received " + escape(text()));
            }
            Thread.sleep(50);
        }
    }

    /**
     * The spec's parser: lines end at CRLF, a lone CR or a lone LF; a blank line dispatches the event if its data
     * buffer is not empty; {@code data} appends the value and an LF, and one trailing LF is dropped at dispatch;
     * a line without a colon is a field with an empty value; unknown fields are ignored (but kept here).
     * A line still unterminated at the end of the text is left out, as the stream may not have brought the rest.
     */
    static List<Event> parse(String text) {
        List<Event> events = new ArrayList<>();
        String name = "";
        StringBuilder data = new StringBuilder();
        String lastEventId = "";
        List<Field> fields = new ArrayList<>();
        int eventStart = 0;
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        while (i < text.length()) {
            int end = i;
            while (end < text.length() && text.charAt(end) != '\r' && text.charAt(end) != '\n') {
                end++;
            }
            if (end == text.length()) {
                break;
            }
            int next = text.charAt(end) == '\r' && end + 1 < text.length() && text.charAt(end + 1) == '\n'
                    ? end + 2 : end + 1;
            if (text.charAt(end) == '\r' && end + 1 == text.length()) {
                // A CR last: its LF may still be on the way; wait for it rather than count a line too many.
                break;
            }
            String line = text.substring(i, end);
            i = next;
            if (line.isEmpty()) {
                if (data.length() > 0) {
                    String value = data.substring(0, data.length() - 1);
                    events.add(new Event(name.isEmpty() ? "message" : name, value, lastEventId, List.copyOf(fields),
                            text.substring(eventStart, next)));
                    eventStart = next;
                }
                name = "";
                data.setLength(0);
                fields.clear();
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            fields.add(new Field(field, value));
            switch (field) {
                case "event" -> name = value;
                case "data" -> data.append(value).append('\n');
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastEventId = value;
                    }
                }
                default -> {
                    // retry and unknown fields change no event.
                }
            }
        }
        return events;
    }

    /** The text with CR and LF made visible, for messages and the record of what went over the wire. */
    static String escape(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
