package dev.sfere.bench.fanout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A share of a benchmark's SSE clients in a JVM of its own ({@link Capacity}, {@link ResumeStorm}), so that the
 * server's process holds only its own end of each stream: one descriptor a stream, where this machine allows 20,000
 * a process. {@link SseClients} on one selector thread; answers one command a line:
 * <ul>
 *   <li>{@code open N FIRST [HEADER]}: N more clients, with ids FIRST onwards, connecting one after another, each
 *       sending HEADER (a request header line, such as {@code Last-Event-ID: 1-7}; else the one given at start,
 *       if any); answers {@code open SIZE T} once every client has its response headers, T being the
 *       {@link System#nanoTime()} when the last one got them;</li>
 *   <li>{@code expect TOTAL}: answers {@code armed} at once; from then on the clients note when the events they
 *       received together reach TOTAL;</li>
 *   <li>{@code await [check]}: answers {@code reached T} once they have, T being the {@link System#nanoTime()} of
 *       the read that got there (the same clock in every process of the machine); with {@code check}, client 0's
 *       last event must be {@link FanOut#WIRE}'s;</li>
 *   <li>{@code total}: {@code total N FEWEST}, the events received so far, and the fewest any one client holds;</li>
 *   <li>{@code last-id}: {@code last-id ID}, the id of client 0's latest event ({@code none} if it had none since
 *       the last ask);</li>
 *   <li>{@code close}: closes every client and starts again with none, counts at 0; answers {@code closed}.</li>
 * </ul>
 * The end of its input ends it. Arguments: the server's port on 127.0.0.1, the request path before the id,
 * minutes before a watchdog ends it, and optionally a request header line for every client.
 */
public final class ClientShare {

    private static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(300);

    private final InetSocketAddress server;
    private final String path;
    private final String header;
    private Deliveries deliveries = new Deliveries();
    private SseClients clients;

    private ClientShare(InetSocketAddress server, String path, String header) throws Exception {
        this.server = server;
        this.path = path;
        this.header = header;
        clients = new SseClients(server, 1, deliveries);
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        ChildJvm.watchdog("client-share", Long.parseLong(args[2]));
        ClientShare share = new ClientShare(server, args[1], args.length > 3 ? args[3] : "");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.println(share.answer(line.trim().split(" ")));
            }
        } finally {
            share.clients.close();
        }
        System.exit(0);
    }

    private String answer(String[] words) throws Exception {
        switch (words[0]) {
            case "open" -> {
                int offset = Integer.parseInt(words[2]) - clients.size();
                String line = words.length > 3 ? String.join(" ", Arrays.copyOfRange(words, 3, words.length))
                        : header;
                String headers = line.isEmpty() ? "" : line + "\r\n";
                clients.open(Integer.parseInt(words[1]), i -> path + "c" + (offset + i), i -> headers);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while (clients.answered() < clients.size()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(clients.answered() + " of " + clients.size()
                                + " clients answered");
                    }
                    Thread.sleep(10);
                }
                return "open " + clients.size() + " " + clients.lastAnswered();
            }
            case "expect" -> {
                deliveries.expect(Long.parseLong(words[1]));
                return "armed";
            }
            case "await" -> {
                long reached = deliveries.await(WAIT_MILLIS);
                if (words.length > 1) {
                    String event = FanOut.withoutLibraryFields(clients.takeLastEvent());
                    if (!FanOut.WIRE.equals(event)) {
                        throw new IllegalStateException("client 0 received " + event + " instead of " + FanOut.WIRE);
                    }
                }
                return "reached " + reached;
            }
            case "total" -> {
                return "total " + deliveries.total() + " " + clients.fewest();
            }
            case "last-id" -> {
                return "last-id " + id(clients.takeLastEvent());
            }
            case "close" -> {
                clients.close();
                deliveries = new Deliveries();
                clients = new SseClients(server, 1, deliveries);
                return "closed";
            }
            default -> throw new IllegalArgumentException("unknown command " + String.join(" ", words));
        }
    }

    /** The id line's value in an event's text, or {@code none}. */
    private static String id(String event) {
        if (event != null) {
            for (String line : event.split("\n")) {
                if (line.startsWith("id:")) {
                    return line.substring(3).trim();
                }
            }
        }
        return "none";
    }
}
