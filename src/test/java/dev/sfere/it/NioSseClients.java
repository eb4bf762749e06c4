package dev.sfere.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Many SSE clients on one selector thread, cheap enough to open hundreds or thousands in a test. Each asks over
 * HTTP/1.0, so the stream comes without chunked framing, and keeps only what the tests check: for events whose data
 * starts with a sequence number, how many arrived and whether each was the one after the previous.
 */
final class NioSseClients implements AutoCloseable {

    /** What one client has seen. Written by the selector thread, read by the test. */
    static final class Client {
        final String path;
        volatile int events;
        volatile int lastSequence = -1;
        volatile int outOfOrder;
        volatile boolean ended;
        private final StringBuilder line = new StringBuilder();

        Client(String path) {
            this.path = path;
        }

        private void feed(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                char c = (char) (bytes.get() & 0xff);
                if (c != '\n') {
                    line.append(c);
                    continue;
                }
                if (line.length() > 6 && line.charAt(0) == 'd' && line.indexOf("data: ") == 0) {
                    int end = line.indexOf(" ", 6);
                    int sequence = parse(line, 6, end < 0 ? line.length() : end);
                    if (sequence >= 0) {
                        if (sequence != lastSequence + 1) {
                            outOfOrder++;
                        }
                        lastSequence = sequence;
                        events++;
                    }
                }
                line.setLength(0);
            }
        }

        private static int parse(CharSequence text, int from, int to) {
            int value = 0;
            for (int i = from; i < to; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            return to > from ? value : -1;
        }
    }

    private final Selector selector;
    private final List<Client> clients = new ArrayList<>();
    private final List<SocketChannel> channels = new ArrayList<>();
    private final Thread loop;
    private volatile boolean running = true;

    NioSseClients(URI base, int count, IntFunction<String> path) throws IOException {
        selector = Selector.open();
        for (int i = 0; i < count; i++) {
            Client client = new Client(path.apply(i));
            SocketChannel channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            channel.write(ByteBuffer.wrap(("GET /" + client.path + " HTTP/1.0\r\nHost: " + base.getHost() + "\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, client);
            clients.add(client);
            channels.add(channel);
        }
        loop = new Thread(this::run, "nio-sse-clients");
        loop.setDaemon(true);
        loop.start();
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (running) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    Client client = (Client) key.attachment();
                    buffer.clear();
                    int read;
                    try {
                        read = ((SocketChannel) key.channel()).read(buffer);
                    } catch (IOException e) {
                        read = -1;
                    }
                    if (read < 0) {
                        client.ended = true;
                        key.cancel();
                        continue;
                    }
                    buffer.flip();
                    client.feed(buffer);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                throw new IllegalStateException(e);
            }
        }
    }

    List<Client> clients() {
        return clients;
    }

    /** The fewest events any client has seen. */
    int fewestEvents() {
        return clients.stream().mapToInt(c -> c.events).min().orElse(0);
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel channel : channels) {
            channel.close();
        }
        selector.close();
    }
}
