package dev.sfere.bench.fanout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Many SSE clients on raw non-blocking sockets, served by a few selector threads: each client sends one GET, then
 * reads the response, undoes the chunked transfer encoding and counts events (an event ends at a blank line). Cheap
 * enough that thousands of them cost the measured server little. Keeps the bytes of the latest event of client 0,
 * so that every broadcast of every sender can be checked against the expected event.
 */
final class SseClients implements AutoCloseable {

    private final InetSocketAddress server;
    private final Deliveries deliveries;
    private final List<Loop> loops = new ArrayList<>();
    private final List<Stream> streams = new ArrayList<>();
    private volatile String lastEvent;
    private final AtomicLong lastAnswer = new AtomicLong();
    /** Where the clients note when each event of a window arrives; null when nobody asks. */
    private volatile Arrivals arrivals;

    /**
     * When each of a window of events reached each client: {@code at[client][i]} is the {@link System#nanoTime()} of
     * the read that completed the client's event number {@code base + i + 1} (counted from its first), 0 if it has
     * not arrived. Written by the selector threads before they count the event in {@link Deliveries}, so a thread
     * that saw the count reach its target sees the times.
     */
    static final class Arrivals {
        final long base;
        final long[][] at;

        Arrivals(long base, int clients, int events) {
            this.base = base;
            this.at = new long[clients][events];
        }
    }

    SseClients(InetSocketAddress server, int threads, Deliveries deliveries) throws IOException {
        this.server = server;
        this.deliveries = deliveries;
        for (int i = 0; i < threads; i++) {
            Loop loop = new Loop("sse-client-" + i);
            loops.add(loop);
            loop.thread.start();
        }
    }

    /**
     * Opens more clients.
     *
     * @param count how many
     * @param path  the request path for the client with a given index
     */
    void open(int count, IntFunction<String> path) throws IOException {
        open(count, path, index -> "");
    }

    /**
     * Opens more clients, with headers of their own.
     *
     * @param count   how many
     * @param path    the request path for the client with a given index
     * @param headers more request header lines for the client with a given index, each ending in CRLF, or ""
     */
    void open(int count, IntFunction<String> path, IntFunction<String> headers) throws IOException {
        for (int i = 0; i < count; i++) {
            int index = streams.size();
            SocketChannel channel = SocketChannel.open(server);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            byte[] request = ("GET " + path.apply(index) + " HTTP/1.1\r\nHost: " + server.getHostString() + ":"
                    + server.getPort() + "\r\nAccept: text/event-stream\r\n" + headers.apply(index) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            channel.configureBlocking(false);
            Stream stream = new Stream(channel, index, index == 0);
            streams.add(stream);
            loops.get(index % loops.size()).add(stream);
        }
    }

    int size() {
        return streams.size();
    }

    /**
     * Starts noting arrival times for the next {@code events} events of every client open now; each must have
     * received exactly {@code base} events so far.
     *
     * @return the times, filled in as the events arrive
     */
    Arrivals timeArrivals(long base, int events) {
        Arrivals window = new Arrivals(base, streams.size(), events);
        arrivals = window;
        return window;
    }

    /** Stops noting arrival times. */
    void stopTiming() {
        arrivals = null;
    }

    /** The fewest events any one client has received so far. */
    long fewest() {
        long min = Long.MAX_VALUE;
        for (Stream s : streams) {
            min = Math.min(min, s.events);
        }
        return streams.isEmpty() ? 0 : min;
    }

    /** The clients that hold fewer than {@code need} events: how many, and the first few with their counts. */
    String lagging(long need) {
        StringBuilder some = new StringBuilder();
        int n = 0;
        for (Stream s : streams) {
            if (s.events < need) {
                if (n++ < 10) {
                    some.append(n == 1 ? "" : ", ").append('#').append(s.index).append(": ").append(s.events);
                }
            }
        }
        return n + " client(s) below " + need + " (" + some + (n > 10 ? ", ..." : "") + ")";
    }

    /**
     * The latest event client 0 received, as text, and forgets it: null if none completed since the last call. Call
     * it once a broadcast has reached every client, to check that broadcast's bytes.
     */
    String takeLastEvent() {
        String event = lastEvent;
        lastEvent = null;
        return event;
    }

    /** When the last client so far received its response headers, in {@link System#nanoTime()}; 0 if none. */
    long lastAnswered() {
        return lastAnswer.get();
    }

    /** How many clients have received their response headers. */
    int answered() {
        int n = 0;
        for (Stream s : streams) {
            if (s.state != Stream.HEADERS) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        for (Loop loop : loops) {
            loop.running = false;
            loop.selector.wakeup();
        }
        for (Loop loop : loops) {
            try {
                loop.thread.join(5_000);
                loop.selector.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        for (Stream s : streams) {
            try {
                s.channel.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }

    private final class Loop implements Runnable {
        final Selector selector;
        final Thread thread;
        final Queue<Stream> pending = new ConcurrentLinkedQueue<>();
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        volatile boolean running = true;

        Loop(String name) throws IOException {
            selector = Selector.open();
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        void add(Stream stream) {
            pending.add(stream);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (running) {
                    selector.select();
                    for (Stream s = pending.poll(); s != null; s = pending.poll()) {
                        s.channel.register(selector, SelectionKey.OP_READ, s);
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        Stream stream = (Stream) key.attachment();
                        if (!read(stream)) {
                            key.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                if (running) {
                    throw new IllegalStateException("client selector failed", e);
                }
            }
        }

        /** Reads what is there; false when the stream has ended. */
        private boolean read(Stream stream) {
            long events = 0;
            Arrivals window = arrivals;
            try {
                while (true) {
                    buffer.clear();
                    int n = stream.channel.read(buffer);
                    if (n < 0) {
                        return false;
                    }
                    if (n == 0) {
                        break;
                    }
                    buffer.flip();
                    events += stream.consume(buffer, window, window == null ? 0 : System.nanoTime());
                }
            } catch (IOException e) {
                return false;
            } finally {
                if (events > 0) {
                    stream.events += events;
                    deliveries.add(events);
                }
            }
            return true;
        }
    }

    /** One client's parser: response headers, then chunk framing, then event boundaries. */
    private final class Stream {
        static final int HEADERS = 0;
        static final int CHUNK_SIZE = 1;
        static final int CHUNK_DATA = 2;
        static final int CHUNK_END = 3;
        static final int IDENTITY = 4;

        final SocketChannel channel;
        final int index;
        final StringBuilder headers = new StringBuilder();
        /** Client 0 builds each event here, to hand it to {@link #takeLastEvent()} when it completes. */
        final StringBuilder sample;
        int state = HEADERS;
        /** Events received; written by the stream's selector thread only. */
        volatile long events;
        /** Events completed, counted as they complete (before {@link #events} is). */
        long completed;
        long chunkLeft;
        int chunkEndLeft;
        byte previous;

        Stream(SocketChannel channel, int index, boolean keepSample) {
            this.channel = channel;
            this.index = index;
            this.sample = keepSample ? new StringBuilder() : null;
        }

        /**
         * Consumes bytes; returns how many events they completed.
         *
         * @param window where to note the time of each event completed, or null
         * @param now    when the bytes were read
         */
        int consume(ByteBuffer in, Arrivals window, long now) {
            int events = 0;
            long before = completed;
            while (in.hasRemaining()) {
                byte b = in.get();
                switch (state) {
                    case HEADERS -> {
                        headers.append((char) b);
                        if (b == '\n' && headers.length() >= 4 && headers.lastIndexOf("\r\n\r\n") == headers.length() - 4) {
                            String text = headers.toString();
                            if (!text.startsWith("HTTP/1.1 200")) {
                                throw new IllegalStateException("the server answered " + text.lines().findFirst()
                                        .orElse(text));
                            }
                            state = text.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")
                                    ? CHUNK_SIZE : IDENTITY;
                            headers.setLength(0);
                            long answered = System.nanoTime();
                            lastAnswer.accumulateAndGet(answered, Math::max);
                        }
                    }
                    case CHUNK_SIZE -> {
                        if (b == '\n') {
                            int semicolon = headers.indexOf(";");
                            String hex = (semicolon >= 0 ? headers.substring(0, semicolon) : headers.toString()).trim();
                            headers.setLength(0);
                            chunkLeft = Long.parseLong(hex, 16);
                            state = chunkLeft == 0 ? IDENTITY : CHUNK_DATA;
                        } else if (b != '\r') {
                            headers.append((char) b);
                        }
                    }
                    case CHUNK_DATA -> {
                        events += data(b);
                        if (--chunkLeft == 0) {
                            state = CHUNK_END;
                            chunkEndLeft = 2;
                        }
                    }
                    case CHUNK_END -> {
                        if (--chunkEndLeft == 0) {
                            state = CHUNK_SIZE;
                        }
                    }
                    case IDENTITY -> events += data(b);
                    default -> throw new IllegalStateException("state " + state);
                }
            }
            completed = before + events;
            if (window != null && events > 0 && index < window.at.length) {
                long[] times = window.at[index];
                for (long n = before + 1; n <= completed; n++) {
                    long i = n - window.base - 1;
                    if (i >= 0 && i < times.length) {
                        times[(int) i] = now;
                    }
                }
            }
            return events;
        }

        private int data(byte b) {
            if (sample != null) {
                sample.append((char) b);
            }
            if (b == '\n' && previous == '\n') {
                previous = 0;
                if (sample != null) {
                    lastEvent = sample.toString();
                    sample.setLength(0);
                }
                return 1;
            }
            previous = b;
            return 0;
        }
    }
}
