package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Issue 18's resume storm, over real HTTP on loopback (Weld, Jersey on Grizzly and Sfere, as {@link FanOut}): every
 * client drops at once and comes back with the id of the last event it received, having missed {@code missed}
 * events; how long until every one of them holds all it missed, against how long the same number of fresh
 * connections take to be answered. Both are measured in every trial, one after the other, and reported as a ratio.
 *
 * <p>A trial: {@code clients} raw-socket clients connect with no id (<b>fresh</b>: from the first connect until
 * the last client has its response headers); {@code missed} events are broadcast to them (<b>live</b>: from the
 * first broadcast until every client has them all, for scale), and client 0 reads the last one's id; every
 * client closes its socket; {@code missed} events are broadcast, and the server gives up the dead streams as their
 * writes fail (those left after 2 s are ended by the harness); then {@code clients} clients connect under the same keys with {@code Last-Event-ID} set to that id
 * (<b>resume</b>: from the first connect until every client has received {@code missed} events, which the library
 * replays from its history). The harness checks that no client receives more or fewer than it missed and that
 * client 0's last event is the last one broadcast. Clients connect one after another from one thread, the same in
 * both phases, so the ratio shows what replaying adds. Server and clients share this process: two descriptors a
 * client, so 5,000 clients hold some 10,000, and the dropped ones are gone before the next phase connects.
 *
 * <p>Arguments ({@code --name=value}): {@code clients} (5000), {@code missed} (100), {@code trials} (5),
 * {@code warmup} (1 trial, not reported), {@code out} (the CSV's directory), {@code timeout} (minutes, 10).
 */
public final class ResumeStorm {

    private static final KeyPattern STORM = KeyPattern.of(KeyPattern.literal("default"), KeyPattern.literal("storm"),
            KeyPattern.ANY);
    private static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(120);

    private final Map<String, String> options;

    /** One trial's times, in nanoseconds. */
    record Trial(long fresh, long live, long resumeAnswered, long resume, int stale) {
        double ratio() {
            return (double) resume / fresh;
        }
    }

    private ResumeStorm(Map<String, String> options) {
        this.options = options;
    }

    /**
     * Runs the storm and exits: Jersey and Weld may leave non-daemon threads behind.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        FanOut.runAndExit(ResumeStorm::run, args);
    }

    /**
     * Runs the storm in this JVM.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a phase stalls, or a client receives other than what it missed
     */
    public static void run(String... args) throws Exception {
        new ResumeStorm(FanOut.options(args)).measure();
    }

    private int option(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, String.valueOf(fallback)));
    }

    private void measure() throws Exception {
        int clients = option("clients", 5_000);
        int missed = option("missed", 100);
        int trials = option("trials", 5);
        int warmup = option("warmup", 1);
        Path out = Path.of(options.getOrDefault("out", "target/results"));
        Files.createDirectories(out);
        Thread watchdog = watchdog(option("timeout", 10));
        Map<String, String> config = Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", String.valueOf(Math.max(10_000, clients * 2)));
        List<Trial> results = new ArrayList<>();
        try (JerseyServer server = new JerseyServer(config)) {
            for (int t = 0; t < warmup + trials; t++) {
                Trial trial = trial(server, clients, missed);
                System.out.printf(Locale.ROOT, "resume storm%s: %d clients, fresh %.0f ms, live %.0f ms, resume %.0f"
                                + " ms (headers %.0f ms), resume ÷ fresh %.2f×; dropped streams ended by the harness:"
                                + " %d%n", t < warmup ? " (warm-up)" : "", clients, trial.fresh() / 1e6,
                        trial.live() / 1e6, trial.resume() / 1e6,
                        trial.resumeAnswered() / 1e6, trial.ratio(), trial.stale());
                if (t >= warmup) {
                    results.add(trial);
                }
            }
            long slow = server.evictions().count(EvictionCause.SLOW);
            if (slow > 0) {
                throw new IllegalStateException(slow + " streams were evicted as SLOW: the storm overflowed queues");
            }
        }
        write(out, clients, missed, results);
        watchdog.interrupt();
    }

    private Trial trial(JerseyServer server, int clients, int missed) throws Exception {
        Broadcaster broadcaster = server.broadcaster();
        Connections connections = server.connections();
        InetSocketAddress address = server.address();

        Deliveries freshCount = new Deliveries();
        long fresh;
        long live;
        String lastId;
        try (SseClients first = new SseClients(address, 1, freshCount)) {
            long start = System.nanoTime();
            first.open(clients, i -> "/storm/s" + i + "/events");
            waitFor(() -> first.answered() == clients, clients + " fresh connections answered");
            fresh = first.lastAnswered() - start;
            waitFor(() -> connections.count(STORM) == clients, clients + " registrations");
            // The same events, live: what delivering them to connected clients takes, for scale.
            freshCount.expect((long) clients * missed);
            long sending = System.nanoTime();
            for (int i = 0; i < missed; i++) {
                broadcaster.broadcast(STORM, broadcaster.event(FanOut.NAME, FanOut.DATA));
            }
            live = freshCount.await(WAIT_MILLIS) - sending;
            lastId = id(first.takeLastEvent());
        }
        for (int i = 0; i < missed; i++) {
            broadcaster.broadcast(STORM, broadcaster.event(FanOut.NAME, FanOut.DATA));
        }
        int stale = giveUp(connections);

        Deliveries replayed = new Deliveries();
        long resume;
        long resumeAnswered;
        try (SseClients second = new SseClients(address, 1, replayed)) {
            replayed.expect((long) clients * missed);
            long start = System.nanoTime();
            second.open(clients, i -> "/storm/s" + i + "/events", i -> "Last-Event-ID: " + lastId + "\r\n");
            resume = replayed.await(WAIT_MILLIS) - start;
            resumeAnswered = second.lastAnswered() - start;
            Thread.sleep(200);
            String last = id(second.takeLastEvent());
            String expected = sequence(lastId, missed);
            if (replayed.total() != (long) clients * missed || second.fewest() != missed || !last.equals(expected)) {
                throw new IllegalStateException("the resumed clients received " + replayed.total() + " events, "
                        + second.lagging(missed) + "; client 0's last id " + last + ", expected " + expected);
            }
        }
        // Ends the streams just closed, so that the next trial starts with none.
        for (ConnectionKey key : connections.keys(STORM)) {
            connections.purge(key);
        }
        waitFor(() -> connections.count(STORM) == 0, "the resumed streams to end");
        return new Trial(fresh, live, resumeAnswered, resume, stale);
    }

    /** The id line of an event's text. */
    /**
     * Waits a little for the dropped streams to be given up (the missed events' writes fail on the closed sockets),
     * then ends those left, so that their sockets are gone before the clients come back: two descriptors for each of
     * 5,000 clients twice would come near the process's limit. An end takes an id after the missed events' and
     * selects no key, so it changes no replay.
     *
     * @return how many had to be ended
     */
    private static int giveUp(Connections connections) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (connections.count(STORM) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<ConnectionKey> left = connections.keys(STORM);
        for (ConnectionKey key : left) {
            connections.purge(key);
        }
        waitFor(() -> connections.count(STORM) == 0, "the dropped streams to end");
        return left.size();
    }

    private static String id(String event) {
        if (event != null) {
            for (String line : event.split("\n")) {
                if (line.startsWith("id:")) {
                    return line.substring(3).trim();
                }
            }
        }
        throw new IllegalStateException("no id in the event " + event);
    }

    /** The id {@code n} events after another: ids are {@code <epoch>-<sequence>}, one sequence per event. */
    private static String sequence(String id, int n) {
        int dash = id.lastIndexOf('-');
        return id.substring(0, dash + 1) + (Long.parseLong(id.substring(dash + 1)) + n);
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static Thread watchdog(int minutes) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(minutes));
                System.err.println("resume storm: still running after " + minutes + " minutes; giving up");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException ignored) {
                // Finished in time.
            }
        }, "resume-storm-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    private static void write(Path out, int clients, int missed, List<Trial> trials) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("resume-storm.csv")))) {
            csv.println("trial,clients,missed,fresh_ms,live_ms,resume_headers_ms,resume_ms,resume_over_fresh,"
                    + "resume_over_fresh_plus_live,stale_ended");
            for (int i = 0; i < trials.size(); i++) {
                Trial t = trials.get(i);
                csv.printf(Locale.ROOT, "%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%d%n", i + 1, clients, missed,
                        t.fresh() / 1e6, t.live() / 1e6, t.resumeAnswered() / 1e6, t.resume() / 1e6, t.ratio(),
                        (double) t.resume() / (t.fresh() + t.live()), t.stale());
            }
        }
        double[] ratios = trials.stream().mapToDouble(Trial::ratio).sorted().toArray();
        double[] fresh = trials.stream().mapToDouble(t -> t.fresh() / 1e6).sorted().toArray();
        double[] resume = trials.stream().mapToDouble(t -> t.resume() / 1e6).sorted().toArray();
        System.out.printf(Locale.ROOT, "resume storm: %d clients, %d missed each, %d trials: fresh median %.0f ms,"
                        + " resume median %.0f ms; resume ÷ fresh median %.2f× (%.2f–%.2f×)%n", clients, missed,
                trials.size(), median(fresh), median(resume), median(ratios), ratios[0], ratios[ratios.length - 1]);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
