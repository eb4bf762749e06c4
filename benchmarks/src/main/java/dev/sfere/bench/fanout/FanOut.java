package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.Connections;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Comparison 4: fan-out over real HTTP on loopback. For each number of clients, two servers run side by side: a
 * Jersey/Grizzly server with the Sfere extension, whose SSE endpoint puts every sink both in Sfere's store and in a
 * Jersey {@code SseBroadcaster}; and a raw NIO server with no Jersey. Each has its own clients, raw non-blocking
 * sockets counting events.
 *
 * <p>Senders:
 * <ul>
 *   <li>{@code sfere}: {@code Broadcaster.broadcast(KeyPattern.all(), event)};</li>
 *   <li>{@code jersey}: {@code SseBroadcaster.broadcast(sse.newEvent(...))}, on the same sinks;</li>
 *   <li>{@code raw}: the same event bytes, pre-encoded once, written to every socket by as many threads as the
 *       machine has cores ({@code raw-writers}), the machine's limit (issue 22);</li>
 *   <li>{@code raw-1}, only when asked for: the same from one thread, the baseline before issue 22.</li>
 * </ul>
 * The Sfere server runs with the library's defaults but for heartbeats (off, since the clients would count them as
 * events) and the store's maximum size (above the number of clients). Sfere's {@code broadcast} only queues the event
 * for each stream; the library's delivery threads write the streams. A stream whose queue overflows (the default
 * 1,000 events) would be evicted as {@code SLOW} and then miss events: the harness fails if any is.
 *
 * The senders take turns broadcast by broadcast (the order reversed every round), so bursts of load on a shared
 * machine hit all of them alike.
 *
 * <p>Latency: from just before the broadcast call until a client thread counts the last client's copy of the
 * event, one broadcast at a time. Throughput: broadcasts sent back to back for a while, at most {@code window}
 * broadcasts ahead of delivery, reported as events delivered per second.
 *
 * <p>Arguments ({@code --name=value}): {@code clients} (comma-separated, default 1000,5000), {@code warmup} (20),
 * {@code rounds} (100 latency samples per sender), {@code seconds} (3, per sender for throughput), {@code window}
 * (8), {@code client-threads} (1 per server), {@code senders} (of sfere,jersey,raw,raw-1; by default the first
 * three), {@code raw-writers} (the raw baseline's writing threads, by default one per core), {@code out} (a
 * directory for fanout.csv and fanout-samples.csv),
 * {@code metrics} ({@code off}, or {@code on}: the container holds an OpenTelemetry SDK, {@link MeteredOpenTelemetry},
 * and the library records its metrics; issue 20's cost, driven by {@link MetricsCost}),
 * {@code timeout} (minutes before the whole run gives up, 30). Everything it starts is stopped before it returns,
 * and a watchdog ends the JVM if a run hangs.
 */
public final class FanOut {

    /** The data of every event: a chat message, as the example's lobby sends. */
    static final String DATA = "{\"user\":\"alice\",\"text\":\"hello everyone in the lobby, this is a broadcast\"}";
    static final String NAME = "message";
    /** The event as Jersey writes it on the wire, which the raw server sends as it is. */
    static final String WIRE = "event: " + NAME + "\ndata: " + DATA + "\n\n";

    private static final long STALL_MILLIS = 60_000;

    private final Map<String, String> options;

    private FanOut(Map<String, String> options) {
        this.options = options;
    }

    /** Sends one broadcast. */
    @FunctionalInterface
    private interface Send {
        void broadcast() throws IOException;
    }

    /** One sender under test: one broadcast waited for, and a stretch of back-to-back broadcasts. */
    private interface Sender {
        String name();

        /** Nanoseconds from the broadcast call until the last client held the event. */
        long once(int clients) throws IOException;

        /** Events delivered, nanoseconds taken and broadcasts sent, for about {@code seconds}. */
        long[] throughput(int clients, double seconds, int window) throws IOException;
    }

    /** A sender in this JVM, with the clients it reaches and their count of delivered events. */
    private record Local(String name, Send send, Deliveries deliveries, SseClients clients) implements Sender {

        @Override
        public long once(int count) throws IOException {
            clients.takeLastEvent();
            deliveries.expect(deliveries.total() + count);
            long start = System.nanoTime();
            send.broadcast();
            long nanos = deliveries.await(STALL_MILLIS) - start;
            // This broadcast's bytes, as client 0 received them: every sender's, every round.
            // Sfere's events carry its id, and a stream's first the reconnection delay (issue 18): not the payload.
            String received = withoutLibraryFields(clients.takeLastEvent());
            if (!WIRE.equals(received)) {
                throw new IllegalStateException(name + " delivered " + received + " instead of " + WIRE);
            }
            return nanos;
        }

        @Override
        public long[] throughput(int count, double seconds, int window) throws IOException {
            long base = deliveries.total();
            long start = System.nanoTime();
            long stop = start + (long) (seconds * 1e9);
            long sent = 0;
            while (System.nanoTime() < stop) {
                if (sent >= window) {
                    deliveries.expect(base + (sent - window + 1) * count);
                    deliveries.await(STALL_MILLIS);
                }
                send.broadcast();
                sent++;
            }
            deliveries.expect(base + sent * count);
            long end = deliveries.await(STALL_MILLIS);
            return new long[] {sent * count, end - start, sent};
        }
    }

    /** The raw baseline, in a {@link RawChild} JVM driven over its standard input and output. */
    private static final class Remote implements Sender, AutoCloseable {
        private final String name;
        private final ChildJvm child;

        Remote(String name, int clients, int clientThreads, int writers, long timeoutMinutes) throws IOException {
            this.name = name;
            child = new ChildJvm("the raw baseline's JVM", List.of("-Xmx1g"), RawChild.class,
                    List.of(String.valueOf(clients), String.valueOf(clientThreads), String.valueOf(timeoutMinutes),
                            String.valueOf(writers)));
            child.expect("ready");
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long once(int clients) throws IOException {
            return Long.parseLong(child.ask("once"));
        }

        @Override
        public long[] throughput(int clients, double seconds, int window) throws IOException {
            String[] words = child.ask("throughput " + seconds + " " + window).split(" ");
            return new long[] {Long.parseLong(words[0]), Long.parseLong(words[1]), Long.parseLong(words[2])};
        }

        @Override
        public void close() {
            child.close();
        }
    }

    /** Latencies and throughput of one sender at one number of clients. */
    record Result(int clients, String sender, long[] latencies, double eventsPerSecond, long throughputBroadcasts) {
        double quantileMillis(double q) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            int i = (int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)));
            return sorted[i] / 1e6;
        }
    }

    /**
     * Runs the harness and exits.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        runAndExit(FanOut::run, args);
    }

    /**
     * Runs the harness in this JVM.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a run fails, stalls or a sender delivers something else than the expected event
     */
    public static void run(String... args) throws Exception {
        new FanOut(options(args)).run();
    }

    /** A harness's run, from its {@code --name=value} arguments. */
    @FunctionalInterface
    interface Harness {
        void run(String... args) throws Exception;
    }

    /**
     * Runs a harness from its {@code main} and exits, with status 1 if it failed: Jersey and Weld may leave
     * non-daemon threads behind, and the run is over either way. For every harness of this package.
     */
    static void runAndExit(Harness harness, String... args) {
        int status = 0;
        try {
            harness.run(args);
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    /** An event's text without the {@code id:} and {@code retry:} lines Sfere adds; null stays null. */
    static String withoutLibraryFields(String event) {
        return event == null ? null : event.replaceAll("(?m)^(id|retry): [^\n]*\n", "");
    }

    /** Reads {@code --name=value} arguments, for this harness and {@link StalledClient}. */
    static Map<String, String> options(String... args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    void run() throws Exception {
        long timeoutMinutes = Long.parseLong(option("timeout", "30"));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(timeoutMinutes));
                System.err.println("fan-out: still running after " + timeoutMinutes + " minutes; giving up");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException ignored) {
                // Finished in time.
            }
        }, "fan-out-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        int[] counts = Arrays.stream(option("clients", "1000,5000").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        Path out = Path.of(option("out", "target/results"));
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        for (int clients : counts) {
            results.addAll(side(clients));
            // After each size, so a failure later keeps what was measured.
            write(out, results);
        }
        print(results);
        watchdog.interrupt();
    }

    /**
     * One number of clients: the Jersey server and the raw server run at the same time, each with its own clients,
     * so every sender can be measured broadcast by broadcast against the others, through the same bursts of load
     * on a shared machine.
     */
    private List<Result> side(int clients) throws Exception {
        Map<String, String> config = Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", String.valueOf(Math.max(10_000, clients * 2)));
        Deliveries deliveries = new Deliveries();
        boolean metrics = metrics();
        long timeout = Long.parseLong(option("timeout", "30"));
        int writers = Integer.parseInt(option("raw-writers",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        try (JerseyServer server = new JerseyServer(config, 0, metrics);
             SseClients sseClients = new SseClients(server.address(), clientThreads(), deliveries);
             Remote raw = wanted("raw") ? new Remote("raw", clients, clientThreads(), writers, timeout) : null;
             Remote rawOne = wanted("raw-1") ? new Remote("raw-1", clients, clientThreads(), 1, timeout) : null) {
            sseClients.open(clients, i -> "/fan/c" + i + "/events");
            Connections connections = server.connections();
            JerseyBroadcast jersey = server.jersey();
            waitFor(() -> connections.count(KeyPattern.all()) == clients && jersey.registered() == clients,
                    clients + " registrations");
            Broadcaster broadcaster = server.broadcaster();
            List<Sender> senders = new ArrayList<>(List.of(
                    new Local("sfere", () -> broadcaster.broadcast(KeyPattern.all(),
                            broadcaster.event(NAME, DATA)), deliveries, sseClients),
                    new Local("jersey", () -> jersey.broadcast(NAME, DATA), deliveries, sseClients)));
            if (raw != null) {
                senders.add(raw);
            }
            if (rawOne != null) {
                senders.add(rawOne);
            }
            List<Result> results = measure(clients,
                    senders.stream().filter(sender -> wanted(sender.name())).toList());
            // A reader evicted as SLOW would have stalled the run already (its events never arrive); this says why.
            long slow = server.evictions().count(EvictionCause.SLOW);
            System.out.printf(Locale.ROOT, "fan-out: %d clients, SfereEvicted SLOW during the run: %d%n", clients,
                    slow);
            if (slow > 0 || connections.count(KeyPattern.all()) != clients) {
                throw new IllegalStateException(slow + " of " + clients + " clients were evicted as SLOW: "
                        + server.evictions().all());
            }
            if (metrics) {
                // The recording really happened: the SDK aggregated what the library told it.
                long written = server.metricsWritten();
                System.out.printf(Locale.ROOT, "fan-out: %d clients, sfere.events.written: %d%n", clients, written);
                if (written < clients) {
                    throw new IllegalStateException("metrics on, but sfere.events.written is " + written);
                }
            }
            return results;
        }
    }

    private boolean metrics() {
        String metrics = option("metrics", "off");
        if (!metrics.equals("on") && !metrics.equals("off")) {
            throw new IllegalArgumentException("--metrics must be on or off, not " + metrics);
        }
        return metrics.equals("on");
    }

    /** Whether the {@code senders} option (default all three) names a sender. */
    private boolean wanted(String sender) {
        return Arrays.asList(option("senders", "sfere,jersey,raw").split(",")).contains(sender);
    }

    private int clientThreads() {
        return Integer.parseInt(option("client-threads", "1"));
    }

    private List<Result> measure(int clients, List<Sender> senders) throws IOException {
        int warmup = Integer.parseInt(option("warmup", "20"));
        int rounds = Integer.parseInt(option("rounds", "100"));
        double seconds = Double.parseDouble(option("seconds", "3"));
        int window = Integer.parseInt(option("window", "8"));

        for (int i = 0; i <= warmup; i++) {
            for (Sender sender : senders) {
                sender.once(clients);
            }
        }
        long[][] latencies = new long[senders.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < senders.size(); j++) {
                // Alternate who goes first, so neither always follows the other.
                int s = r % 2 == 0 ? j : senders.size() - 1 - j;
                latencies[s][r] = senders.get(s).once(clients);
            }
        }
        long[] events = new long[senders.size()];
        long[] nanos = new long[senders.size()];
        long[] broadcasts = new long[senders.size()];
        for (int repeat = 0; repeat < 2; repeat++) {
            for (int s = 0; s < senders.size(); s++) {
                long[] run = senders.get(s).throughput(clients, seconds / 2, window);
                events[s] += run[0];
                nanos[s] += run[1];
                broadcasts[s] += run[2];
            }
        }
        List<Result> results = new ArrayList<>();
        for (int s = 0; s < senders.size(); s++) {
            results.add(new Result(clients, senders.get(s).name(), latencies[s], events[s] * 1e9 / nanos[s],
                    broadcasts[s]));
        }
        return results;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void write(Path out, List<Result> results) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("fanout.csv")))) {
            csv.println("clients,sender,rounds,latency_median_ms,latency_p10_ms,latency_p90_ms,latency_max_ms,"
                    + "events_per_second,throughput_broadcasts");
            for (Result r : results) {
                csv.printf(Locale.ROOT, "%d,%s,%d,%.3f,%.3f,%.3f,%.3f,%.0f,%d%n", r.clients(), r.sender(),
                        r.latencies().length, r.quantileMillis(0.5), r.quantileMillis(0.1), r.quantileMillis(0.9),
                        r.quantileMillis(1.0), r.eventsPerSecond(), r.throughputBroadcasts());
            }
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("fanout-samples.csv")))) {
            csv.println("clients,sender,round,latency_ns");
            for (Result r : results) {
                for (int i = 0; i < r.latencies().length; i++) {
                    csv.printf(Locale.ROOT, "%d,%s,%d,%d%n", r.clients(), r.sender(), i, r.latencies()[i]);
                }
            }
        }
    }

    private static void print(List<Result> results) {
        System.out.printf(Locale.ROOT, "%8s %-7s %12s %12s %14s%n", "clients", "sender", "median ms", "p90 ms",
                "events/s");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%8d %-7s %12.3f %12.3f %14.0f%n", r.clients(), r.sender(),
                    r.quantileMillis(0.5), r.quantileMillis(0.9), r.eventsPerSecond());
        }
    }
}
