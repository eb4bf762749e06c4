package dev.sfere.bench.fanout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The raw baseline in a JVM of its own, so that its sockets and the Jersey server's fit the descriptor limit
 * together (5,000 clients take 20,000 descriptors on both sides of both servers) and the raw baseline can still
 * take turns with the other senders. Driven by {@link FanOut} over standard input and output, one command a line:
 * {@code once} answers the nanoseconds until the last client held one broadcast; {@code throughput SECONDS WINDOW}
 * answers {@code events nanos broadcasts}; end of input ends it. A watchdog ends it if the parent never does.
 * Arguments: clients, client threads, minutes before the watchdog, writing threads.
 */
public final class RawChild {

    private RawChild() {
    }

    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        int clientThreads = Integer.parseInt(args[1]);
        ChildJvm.watchdog("raw-child", Long.parseLong(args[2]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
        Deliveries deliveries = new Deliveries();
        try (RawSseServer server = new RawSseServer(Integer.parseInt(args[3]));
             SseClients sseClients = new SseClients(server.address(), clientThreads, deliveries)) {
            sseClients.open(clients, i -> "/fan/c" + i + "/events");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (server.connected() < clients || sseClients.answered() < clients) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw: " + server.connected() + " of " + clients + " connected");
                }
                Thread.sleep(20);
            }
            ByteBuffer encoded = RawSseServer.chunk(FanOut.WIRE);
            out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "once" -> {
                        sseClients.takeLastEvent();
                        deliveries.expect(deliveries.total() + clients);
                        long start = System.nanoTime();
                        server.broadcast(encoded);
                        long nanos = deliveries.await(60_000) - start;
                        String received = sseClients.takeLastEvent();
                        if (!FanOut.WIRE.equals(received)) {
                            throw new IllegalStateException("raw delivered " + received + " instead of "
                                    + FanOut.WIRE);
                        }
                        out.println(nanos);
                    }
                    case "throughput" -> {
                        double seconds = Double.parseDouble(words[1]);
                        int window = Integer.parseInt(words[2]);
                        long base = deliveries.total();
                        long start = System.nanoTime();
                        long stop = start + (long) (seconds * 1e9);
                        long sent = 0;
                        while (System.nanoTime() < stop) {
                            if (sent >= window) {
                                deliveries.expect(base + (sent - window + 1) * clients);
                                deliveries.await(60_000);
                            }
                            server.broadcast(encoded);
                            sent++;
                        }
                        deliveries.expect(base + sent * clients);
                        long end = deliveries.await(60_000);
                        out.println(sent * clients + " " + (end - start) + " " + sent);
                    }
                    default -> throw new IllegalArgumentException("unknown command " + line);
                }
            }
        }
        System.exit(0);
    }
}
