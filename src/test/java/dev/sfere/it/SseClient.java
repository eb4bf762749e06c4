package dev.sfere.it;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One SSE stream on a plain socket, read by a thread of its own with {@link SseParser}: it keeps every event and
 * comment, never reconnects, and {@link #close()} makes it vanish the way a closed browser tab does (a FIN, with no
 * goodbye at the HTTP level). For thousands of streams at once, see {@link NioSseClients}.
 */
final class SseClient implements AutoCloseable {

    private final Socket socket;
    private final List<SseEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    /** The last event id when each event was dispatched, parallel to {@link #events}. */
    private final List<String> ids = new CopyOnWriteArrayList<>();
    private volatile long retry = -1;
    private volatile int status;
    private volatile boolean lastChunk;
    private volatile boolean ended;
    private volatile boolean closedByTest;

    private SseClient(URI base, String path, String lastEventId) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /" + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAccept: text/event-stream\r\n"
                + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
                + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        SseParser parser = new SseParser(new Reader());
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    for (int i = 0; i < n; i++) {
                        parser.feed(buffer[i]);
                    }
                }
            } catch (IOException closed) {
                // Closed by the test, or reset by the server: either way the stream is over.
            }
            if (!closedByTest) {
                ended = true;
            }
        }, "sse-client " + path);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens a stream: connects and sends the request on the caller's thread, then reads on its own.
     *
     * @param base the server, as {@code http://host:port/}
     * @param path the path and query after the first slash, as sent
     */
    static SseClient open(URI base, String path) {
        return open(base, path, null);
    }

    /**
     * Opens a stream as an {@code EventSource} reconnects: with the id of the last event it received.
     *
     * @param lastEventId the {@code Last-Event-ID} header, or null for none
     */
    static SseClient open(URI base, String path, String lastEventId) {
        try {
            return new SseClient(base, path, lastEventId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + base + path, e);
        }
    }

    /** The HTTP status, or 0 before the status line came. */
    int status() {
        return status;
    }

    List<SseEvent> events() {
        return List.copyOf(events);
    }

    /** The data of the events with this name, in order. */
    List<String> data(String name) {
        return events.stream().filter(e -> name.equals(e.name())).map(SseEvent::data).toList();
    }

    boolean saw(String name, String data) {
        return events.contains(new SseEvent(name, data));
    }

    /** The last event id when each event was dispatched, in order. */
    List<String> ids() {
        return List.copyOf(ids);
    }

    /** The last event id, as an {@code EventSource} would send it on a reconnect, or null. */
    String lastEventId() {
        return ids.isEmpty() ? null : ids.get(ids.size() - 1);
    }

    /** The last {@code retry:} received, in milliseconds, or -1. */
    long retry() {
        return retry;
    }

    /** Comment lines (heartbeats), without the colon. */
    List<String> comments() {
        return List.copyOf(comments);
    }

    /** Waits for an event with this name and data. */
    void await(String name, String data) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(events).as("events").contains(new SseEvent(name, data)));
    }

    /** Whether the server ended the response with its last chunk, as it does when it closes the stream. */
    boolean lastChunk() {
        return lastChunk;
    }

    /** Whether the server ended the stream: the last chunk, or the connection closed or reset by the server. */
    boolean ended() {
        return ended;
    }

    @Override
    public void close() {
        closedByTest = true;
        try {
            socket.close();
        } catch (IOException e) {
            // Closed either way.
        }
    }

    @Override
    public String toString() {
        return "SseClient[status=" + status + ", events=" + events + (ended ? ", ended" : "") + "]";
    }

    /** What the parser finds, kept for the test's thread. */
    private final class Reader implements SseParser.Listener {
        @Override
        public void status(int code) {
            status = code;
        }

        @Override
        public void event(String name, String data) {
            event(name, data, null);
        }

        @Override
        public void event(String name, String data, String lastEventId) {
            // The id first: a test that sees the event must find its id.
            ids.add(lastEventId);
            events.add(new SseEvent(name, data));
        }

        @Override
        public void retry(long millis) {
            retry = millis;
        }

        @Override
        public void comment(String text) {
            comments.add(text);
        }

        @Override
        public void lastChunk() {
            lastChunk = true;
            ended = true;
        }
    }
}
