package dev.sfere.bench.fanout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The raw baseline: no Jersey, no CDI, no store. Accepts connections, answers each GET with SSE response headers
 * (chunked, as Grizzly answers), keeps the socket, and broadcasts by writing the same pre-encoded bytes to every
 * socket, the sockets shared out among a number of writing threads (the calling thread one of them). With as many
 * writers as cores, this is what the machine allows (issue 22); with one, what one thread does.
 */
final class RawSseServer implements AutoCloseable {

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> channels = new ArrayList<>();
    private volatile SocketChannel[] snapshot = new SocketChannel[0];
    private volatile boolean running = true;
    private final int writers;
    /** The writing threads besides the caller; null with one writer. */
    private final ExecutorService helpers;

    /** @param writers how many threads write a broadcast, the calling thread included */
    RawSseServer(int writers) throws IOException {
        if (writers < 1) {
            throw new IllegalArgumentException("writers must be at least 1, not " + writers);
        }
        this.writers = writers;
        this.helpers = writers == 1 ? null : Executors.newFixedThreadPool(writers - 1, task -> {
            Thread thread = new Thread(task, "raw-sse-writer");
            thread.setDaemon(true);
            return thread;
        });
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 8192);
        acceptor = new Thread(this::accept, "raw-sse-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    int connected() {
        return snapshot.length;
    }

    /**
     * The wire form of an SSE event as one HTTP chunk.
     *
     * @param event the event text, ending with a blank line
     * @return a direct buffer holding the chunk
     */
    static ByteBuffer chunk(String event) {
        byte[] body = event.getBytes(StandardCharsets.UTF_8);
        byte[] head = (Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocateDirect(head.length + body.length + 2);
        out.put(head).put(body).put((byte) '\r').put((byte) '\n').flip();
        return out;
    }

    /**
     * Writes the bytes to every connected socket: each writer a contiguous share, one socket after the other, the
     * calling thread the first share; returns when all are written.
     *
     * @param encoded the bytes; not changed
     */
    void broadcast(ByteBuffer encoded) throws IOException {
        SocketChannel[] all = snapshot;
        List<Future<?>> others = new ArrayList<>();
        for (int w = 1; w < writers; w++) {
            int from = all.length * w / writers;
            int to = all.length * (w + 1) / writers;
            others.add(helpers.submit(() -> {
                write(all, from, to, encoded);
                return null;
            }));
        }
        write(all, 0, all.length / writers, encoded);
        try {
            for (Future<?> other : others) {
                other.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while others wrote", e);
        } catch (ExecutionException e) {
            throw new IOException("a writer failed", e.getCause());
        }
    }

    private static void write(SocketChannel[] channels, int from, int to, ByteBuffer encoded) throws IOException {
        for (int i = from; i < to; i++) {
            ByteBuffer out = encoded.duplicate();
            while (out.hasRemaining()) {
                channels[i].write(out);
            }
        }
    }

    private void accept() {
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (running) {
            try {
                SocketChannel channel = server.accept();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                in.clear();
                while (!endOfHeaders(in)) {
                    if (channel.read(in) < 0) {
                        break;
                    }
                }
                channel.write(ByteBuffer.wrap(RESPONSE));
                synchronized (channels) {
                    channels.add(channel);
                    snapshot = channels.toArray(new SocketChannel[0]);
                }
            } catch (IOException e) {
                if (running) {
                    throw new IllegalStateException("raw server: accept failed", e);
                }
            }
        }
    }

    private static boolean endOfHeaders(ByteBuffer in) {
        int n = in.position();
        return n >= 4 && in.get(n - 4) == '\r' && in.get(n - 3) == '\n' && in.get(n - 2) == '\r'
                && in.get(n - 1) == '\n';
    }

    @Override
    public void close() throws IOException {
        running = false;
        if (helpers != null) {
            helpers.shutdownNow();
        }
        server.close();
        synchronized (channels) {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
