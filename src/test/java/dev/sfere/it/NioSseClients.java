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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Many SSE clients on raw non-blocking sockets, read by one selector thread: cheap enough for thousands of
 * streams in the test JVM, unlike one {@link SseClient} (and its reading thread) per stream.
 *
 * <p>Each client sends one {@code GET} and reads the answer with {@link SseParser}. Events named {@code seq} carry a
 * sequence number and are only counted and checked for order (no per-event objects, so thousands of clients times
 * hundreds of events stay small); other events are kept.
 * A client can be made to vanish with a FIN (plain close) or an RST (linger 0, then close), as a closed browser tab
 * or a dropped network would.
 */
final class NioSseClients implements AutoCloseable {

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

    /**
     * One SSE stream. Its parser belongs to the selector thread; what tests read is volatile. Events named
     * {@code seq} are only counted and checked for order; every other event is kept.
     */
    static final class Client {
        final String label;
        private final SocketChannel channel;
        private final SseParser parser = new SseParser(new Reader());
        private volatile boolean closedByTest;
        private volatile boolean ended;
        private volatile int status;
        private volatile int seqCount;
        private volatile int firstSeq = -1;
        private volatile int lastSeq = -1;
        private volatile int disorders;
        private volatile String firstDisorder;
        private volatile int comments;
        private final List<SseEvent> events = new CopyOnWriteArrayList<>();

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

        List<SseEvent> events() {
            return List.copyOf(events);
        }

        boolean saw(String name, String data) {
            return events.contains(new SseEvent(name, data));
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
            parser.feed(b);
        }

        /** What the parser finds, kept for the test's thread. */
        private final class Reader implements SseParser.Listener {
            @Override
            public void status(int code) {
                status = code;
            }

            @Override
            public void event(String name, String data) {
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
                    events.add(new SseEvent(name, data));
                }
            }

            @Override
            public void comment(String text) {
                comments++;
            }

            @Override
            public void lastChunk() {
                ended = true;
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
