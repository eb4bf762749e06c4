package dev.sfere.bench.fanout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A share of the capacity benchmark's clients in a JVM of its own ({@link Capacity}), so that the server's process
 * holds only its own end of each stream. {@link SseClients} on one selector thread; answers one command a line:
 * <ul>
 *   <li>{@code open N FIRST}: N more clients, with ids FIRST onwards; answers {@code open SIZE} once every client
 *       has its response headers;</li>
 *   <li>{@code upto TOTAL [check]}: answers {@code armed} at once, then {@code reached T} when the events received
 *       by all the clients together reach TOTAL, T being the {@link System#nanoTime()} of the read that got there;
 *       with {@code check}, client 0's last event must be {@link FanOut#WIRE}'s;</li>
 *   <li>{@code total}: {@code total N}, the events received so far.</li>
 * </ul>
 * The end of its input ends it. Arguments: the server's port on 127.0.0.1, the request path before the id,
 * minutes before a watchdog ends it, and optionally one more request header line.
 */
public final class CapacityClients {

    private static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(120);

    private CapacityClients() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        String path = args[1];
        ChildJvm.watchdog("capacity-clients", Long.parseLong(args[2]));
        String headers = args.length > 3 ? args[3] + "\r\n" : "";
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
        Deliveries deliveries = new Deliveries();
        try (SseClients clients = new SseClients(server, 1, deliveries)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "open" -> {
                        int offset = Integer.parseInt(words[2]) - clients.size();
                        clients.open(Integer.parseInt(words[1]), i -> path + "c" + (offset + i), i -> headers);
                        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                        while (clients.answered() < clients.size()) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException(clients.answered() + " of " + clients.size()
                                        + " clients answered");
                            }
                            Thread.sleep(10);
                        }
                        out.println("open " + clients.size());
                    }
                    case "upto" -> {
                        deliveries.expect(Long.parseLong(words[1]));
                        out.println("armed");
                        long reached = deliveries.await(WAIT_MILLIS);
                        if (words.length > 2) {
                            String event = FanOut.withoutLibraryFields(clients.takeLastEvent());
                            if (!FanOut.WIRE.equals(event)) {
                                throw new IllegalStateException("client 0 received " + event + " instead of "
                                        + FanOut.WIRE);
                            }
                        }
                        out.println("reached " + reached);
                    }
                    case "total" -> out.println("total " + deliveries.total());
                    default -> throw new IllegalArgumentException("unknown command " + line);
                }
            }
        }
        System.exit(0);
    }
}
