package dev.sfere.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Many SSE clients on raw non-blocking sockets, read by one selector thread: cheap enough for thousands of
 * streams in the test JVM, unlike one Jersey client (and its threads) per stream.
 *
 * <p>Each client sends one {@code GET} and parses the answer itself: the status line, chunked transfer coding, and
 * the SSE lines inside. Events named {@code seq} carry a sequence number and are only counted and checked for
 * order (no per-event objects, so thousands of clients times hundreds of events stay small); other events are kept.
 * A client can be made to vanish with a FIN (plain close) or an RST (linger 0, then close), as a closed browser tab
 * or a dropped network would.
 */
final class NioSseClients implements AutoCloseable {

    /** One received event other than {@code seq}. */
    record Event(String name, String data) {
    }

    private final InetSocketAddress server;
    private final Selector selector;
    private final Thread loop;
    private final Queue<Client> pending = new ConcurrentLinkedQueue<>();
    private final List<Client> all = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    NioSseClients(URI base) throws IOException {
        server = new InetSocketAddress(base.getHost(), base.getPort());
        selector = Selector.open();
        loop = new Thread(this::run, "nio-sse-clients");
        loop.setDaemon(true);
        loop.start();
    }

    /** Connects (blocking, on the caller's thread), sends the request, then leaves reading to the selector. */
    Client open(String path) throws IOException {
        return open(path, Map.of());
    }

    Client open(String path, Map<String, String> headers) throws IOException {
        StringBuilder request = new StringBuilder("GET /").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(server.getHostString()).append(':').append(server.getPort()).append("\r\n")
                .append("Accept: text/event-stream\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        return openRaw(path, request.append("\r\n").toString());
    }

    /** Sends the request text as it is, header tricks included. */
    Client openRaw(String label, String request) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(server);
            channel.configureBlocking(false);
            ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                if (channel.write(bytes) == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        Client client = new Client(label, channel);
        all.add(client);
        pending.add(client);
        selector.wakeup();
        return client;
    }

    List<Client> clients() {
        return List.copyOf(all);
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        while (running) {
            try {
                selector.select(100);
                for (Client c; (c = pending.poll()) != null; ) {
                    try {
                        c.channel.register(selector, SelectionKey.OP_READ, c);
                    } catch (IOException | CancelledKeyException e) {
                        c.gone();
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Client c = (Client) key.attachment();
                    try {
                        while (true) {
                            buffer.clear();
                            int n = c.channel.read(buffer);
                            if (n < 0) {
                                key.cancel();
                                c.gone();
                                break;
                            }
                            if (n == 0) {
                                break;
                            }
                            buffer.flip();
                            while (buffer.hasRemaining()) {
                                c.feed(buffer.get());
                            }
                        }
                    } catch (IOException | CancelledKeyException e) {
                        key.cancel();
                        c.gone();
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException | ClosedSelectorException e) {
                if (running) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Closes every client with a FIN, stops the selector thread and waits for it. */
    @Override
    public void close() throws InterruptedException {
        for (Client c : all) {
            c.close();
        }
        running = false;
        selector.wakeup();
        loop.join(5_000);
        try {
            selector.close();
        } catch (IOException e) {
            // Nothing left to read from.
        }
    }

    /** One SSE stream. The parser's state belongs to the selector thread; what tests read is volatile. */
    static final class Client {
        private static final int HEADERS = 0;
        private static final int CHUNK_SIZE = 1;
        private static final int CHUNK_DATA = 2;
        private static final int CHUNK_END = 3;
        private static final int RAW_BODY = 4;
        private static final int DONE = 5;

        final String label;
        private final SocketChannel channel;
        private volatile boolean closedByTest;
        private volatile boolean ended;
        private volatile int status;
        private volatile int seqCount;
        private volatile int firstSeq = -1;
        private volatile int lastSeq = -1;
        private volatile int disorders;
        private volatile String firstDisorder;
        private volatile int comments;
        private final List<Event> events = new CopyOnWriteArrayList<>();

        private int state = HEADERS;
        private boolean chunked;
        private boolean eventStream;
        private int chunkLeft;
        private byte[] line = new byte[64];
        private int lineLength;
        private byte[] sseLine = new byte[64];
        private int sseLength;
        private String eventName;
        private String eventData;

        private Client(String label, SocketChannel channel) {
            this.label = label;
            this.channel = channel;
        }

        /** The HTTP status, or 0 before the status line came. */
        int status() {
            return status;
        }

        /** Whether the server ended the stream: the last chunk, or the connection closed or reset by the server. */
        boolean ended() {
            return ended;
        }

        int seqCount() {
            return seqCount;
        }

        int firstSeq() {
            return firstSeq;
        }

        int lastSeq() {
            return lastSeq;
        }

        /** How many {@code seq} events did not follow the previous one by exactly one. */
        int disorders() {
            return disorders;
        }

        String firstDisorder() {
            return firstDisorder;
        }

        /** SSE comment lines (heartbeats). */
        int comments() {
            return comments;
        }

        List<Event> events() {
            return List.copyOf(events);
        }

        boolean saw(String name, String data) {
            return events.contains(new Event(name, data));
        }

        /** Goes away with a FIN, as a closed browser tab does. */
        void close() {
            closedByTest = true;
            try {
                channel.close();
            } catch (IOException e) {
                // Closed either way.
            }
        }

        /** Goes away with a FIN after shutting the output down first. */
        void closeFin() {
            closedByTest = true;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                // Already gone: close below.
            }
            close();
        }

        /** Goes away with an RST: linger zero, then close, so the kernel aborts the connection. */
        void closeRst() {
            closedByTest = true;
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException e) {
                // Already gone.
            }
            close();
        }

        private void gone() {
            if (!closedByTest) {
                ended = true;
            }
            try {
                channel.close();
            } catch (IOException e) {
                // Closed either way.
            }
        }

        private void feed(byte b) {
            switch (state) {
                case HEADERS -> {
                    if (appendLine(b)) {
                        header(takeLine());
                    }
                }
                case CHUNK_SIZE -> {
                    if (appendLine(b)) {
                        String size = takeLine();
                        int semicolon = size.indexOf(';');
                        int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                        if (n == 0) {
                            state = DONE;
                            ended = true;
                        } else {
                            chunkLeft = n;
                            state = CHUNK_DATA;
                        }
                    }
                }
                case CHUNK_DATA -> {
                    body(b);
                    if (--chunkLeft == 0) {
                        state = CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (b == '\n') {
                        state = CHUNK_SIZE;
                    }
                }
                case RAW_BODY -> body(b);
                default -> {
                    // After the last chunk: nothing more is expected.
                }
            }
        }

        private boolean appendLine(byte b) {
            if (b == '\n') {
                return true;
            }
            if (lineLength == line.length) {
                line = Arrays.copyOf(line, line.length * 2);
            }
            line[lineLength++] = b;
            return false;
        }

        private String takeLine() {
            int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            String text = new String(line, 0, end, StandardCharsets.UTF_8);
            lineLength = 0;
            return text;
        }

        private void header(String text) {
            if (status == 0) {
                status = Integer.parseInt(text.split(" ")[1]);
                return;
            }
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("content-type:") && lower.contains("text/event-stream")) {
                eventStream = true;
            } else if (text.isEmpty()) {
                state = chunked ? CHUNK_SIZE : RAW_BODY;
            }
        }

        private void body(byte b) {
            if (!eventStream) {
                return;
            }
            if (b != '\n') {
                if (sseLength == sseLine.length) {
                    sseLine = Arrays.copyOf(sseLine, sseLine.length * 2);
                }
                sseLine[sseLength++] = b;
                return;
            }
            int end = sseLength > 0 && sseLine[sseLength - 1] == '\r' ? sseLength - 1 : sseLength;
            String text = new String(sseLine, 0, end, StandardCharsets.UTF_8);
            sseLength = 0;
            if (text.isEmpty()) {
                dispatch();
            } else if (text.startsWith(":")) {
                comments++;
            } else if (text.startsWith("event:")) {
                eventName = value(text, 6);
            } else if (text.startsWith("data:")) {
                String data = value(text, 5);
                eventData = eventData == null ? data : eventData + "\n" + data;
            }
        }

        private static String value(String line, int from) {
            return line.startsWith(" ", from) ? line.substring(from + 1) : line.substring(from);
        }

        private void dispatch() {
            String name = eventName == null ? "message" : eventName;
            String data = eventData;
            eventName = null;
            eventData = null;
            if (data == null) {
                return;
            }
            if (name.equals("seq")) {
                int n = Integer.parseInt(data);
                if (firstSeq < 0) {
                    firstSeq = n;
                } else if (n != lastSeq + 1 && disorders++ == 0) {
                    firstDisorder = "got " + n + " after " + lastSeq;
                }
                lastSeq = n;
                seqCount++;
            } else {
                events.add(new Event(name, data));
            }
        }

        @Override
        public String toString() {
            return label + "[status=" + status + ", seq " + firstSeq + ".." + lastSeq + " (" + seqCount + "), "
                    + "disorders=" + disorders + (ended ? ", ended" : "") + (closedByTest ? ", closed" : "") + "]";
        }
    }

    /** A short description of at most {@code max} of the given clients, for assertion messages. */
    static String describe(List<Client> clients, int max) {
        List<String> parts = new ArrayList<>();
        for (Client c : clients) {
            if (parts.size() == max) {
                parts.add("... " + (clients.size() - max) + " more");
                break;
            }
            parts.add(c.toString());
        }
        return parts.toString();
    }
}
