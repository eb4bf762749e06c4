package dev.sfere.bench.fanout;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Issue 18's and 22's resume storm, over real HTTP on loopback (Weld, Jersey on Grizzly and Sfere, as
 * {@link FanOut}): every client drops at once and comes back with the id of the last event it received, having
 * missed {@code missed} events; how long until every one of them holds all it missed, against how long the same
 * number of fresh connections take to be answered. Both are measured in every trial, one after the other, and
 * reported as a ratio.
 *
 * <p>The server runs in this JVM, its clients in others ({@link ClientShare}, at most {@code per-process} each,
 * the clients split evenly): a process here may hold 20,000 descriptors, so this one holds only the server's end of
 * each stream. Each client JVM connects its share one after another from one thread, all JVMs at once.
 *
 * <p>A trial: the clients connect with no id (<b>fresh</b>: from the first connect until the last client has its
 * response headers); {@code missed} events are broadcast to them (<b>live</b>: from the first broadcast until every
 * client has them all, for scale), and client 0 reads the last one's id; every client closes its socket;
 * {@code missed} events are broadcast, and the server gives up the dead streams as their writes fail (those left
 * after 2 s are ended by the harness, and the harness waits for the server's descriptors to be released); then the
 * clients connect under the same keys with {@code Last-Event-ID} set to that id (<b>resume</b>: from the first
 * connect until every client has received {@code missed} events, which the library replays from its history). The
 * harness checks that no client receives more or fewer than it missed and that client 0's last event is the last
 * one broadcast. The clients connect the same way in both phases, so the ratio shows what replaying adds.
 *
 * <p>Arguments ({@code --name=value}): {@code clients} (5000,15000: each size in turn, on one server),
 * {@code missed} (100), {@code trials} (3 a size), {@code warmup} (1 trial a size, not reported),
 * {@code per-process} (7500 clients a client JVM), {@code profile} (sizes whose last trial's fresh and resume
 * phases are recorded with JFR, summarised in resume-storm-profile.csv; {@code none} by default), {@code out} (the
 * CSVs' directory), {@code timeout} (minutes, 30). Writes resume-storm.csv after each size.
 */
public final class ResumeStorm {

    private static final KeyPattern STORM = KeyPattern.of(KeyPattern.literal("default"), KeyPattern.literal("storm"),
            KeyPattern.ANY);
    private static final long WAIT_MILLIS = TimeUnit.SECONDS.toMillis(120);
    /** Descriptors the server may hold above its count before any client, for the clients to come back. */
    private static final long DESCRIPTOR_SLACK = 1_000;

    private final Map<String, String> options;
    private final JerseyServer server;
    private final long baseDescriptors;

    /** One trial's times, in nanoseconds. */
    record Trial(int clients, int jvms, int missed, long fresh, long live, long resumeAnswered, long resume, int stale) {
        double ratio() {
            return (double) resume / fresh;
        }
    }

    /** One client JVM and how many clients it holds. */
    private record Share(ChildJvm jvm, int first, int size) {
    }

    private ResumeStorm(Map<String, String> options, JerseyServer server) {
        this.options = options;
        this.server = server;
        this.baseDescriptors = descriptors();
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
     * Runs the storm, its server in this JVM and its clients in others.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a phase stalls, or a client receives other than what it missed
     */
    public static void run(String... args) throws Exception {
        Map<String, String> options = FanOut.options(args);
        int[] sizes = Arrays.stream(options.getOrDefault("clients", "5000,15000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        Thread watchdog = ChildJvm.watchdog("resume-storm",
                Long.parseLong(options.getOrDefault("timeout", "30")));
        Map<String, String> config = Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", String.valueOf(Math.max(10_000, 2 * Arrays.stream(sizes).max()
                        .orElse(0))));
        try (JerseyServer server = new JerseyServer(config)) {
            new ResumeStorm(options, server).measure(sizes);
        } finally {
            watchdog.interrupt();
        }
    }

    private int option(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, String.valueOf(fallback)));
    }

    private void measure(int[] sizes) throws Exception {
        int trials = option("trials", 3);
        int warmup = option("warmup", 1);
        Path out = Path.of(options.getOrDefault("out", "target/results"));
        Files.createDirectories(out);
        List<Trial> results = new ArrayList<>();
        List<String> profile = new ArrayList<>();
        for (int clients : sizes) {
            List<Share> shares = shares(clients);
            try {
                for (int t = 0; t < warmup + trials; t++) {
                    boolean profiled = List.of(options.getOrDefault("profile", "none").split(","))
                            .contains(String.valueOf(clients)) && t == warmup + trials - 1;
                    Trial trial = trial(shares, clients, profiled ? out : null, profile);
                    System.out.printf(Locale.ROOT, "resume storm%s: %d clients in %d JVMs, fresh %.0f ms, live %.0f"
                                    + " ms, resume %.0f ms (headers %.0f ms), resume ÷ fresh %.2f×; dropped streams"
                                    + " ended by the harness: %d%n", t < warmup ? " (warm-up)" : "", clients,
                            shares.size(), trial.fresh() / 1e6, trial.live() / 1e6, trial.resume() / 1e6,
                            trial.resumeAnswered() / 1e6, trial.ratio(), trial.stale());
                    if (t >= warmup) {
                        results.add(trial);
                    }
                }
            } finally {
                for (Share share : shares) {
                    share.jvm().close();
                }
            }
            long slow = server.evictions().count(EvictionCause.SLOW);
            if (slow > 0) {
                throw new IllegalStateException(slow + " streams were evicted as SLOW: the storm overflowed queues");
            }
            write(out, results, profile);
            summary(results.stream().filter(r -> r.clients() == clients).toList());
        }
    }

    /** Starts the client JVMs for {@code clients}, split evenly, and waits until each answers. */
    private List<Share> shares(int clients) throws IOException {
        int perProcess = option("per-process", 7_500);
        int jvms = (clients + perProcess - 1) / perProcess;
        List<Share> shares = new ArrayList<>();
        int first = 0;
        for (int j = 0; j < jvms; j++) {
            int size = clients / jvms + (j < clients % jvms ? 1 : 0);
            shares.add(new Share(new ChildJvm("a client JVM of the storm", List.of("-Xmx256m", "-XX:+UseSerialGC"),
                    ClientShare.class, List.of(String.valueOf(server.address().getPort()), "/storm/",
                    options.getOrDefault("timeout", "30"))), first, size));
            first += size;
        }
        for (Share share : shares) {
            share.jvm().ask("total");
        }
        return shares;
    }

    /**
     * One trial; with {@code recordings} not null, the fresh and resume phases are recorded with JFR there, and
     * their summaries added to {@code profile}.
     */
    private Trial trial(List<Share> shares, int clients, Path recordings, List<String> profile) throws Exception {
        Broadcaster broadcaster = server.broadcaster();
        Connections connections = server.connections();

        Recording recording = recordings == null ? null : record();
        long start = System.nanoTime();
        long fresh = open(shares, "") - start;
        stop(recording, recordings, "fresh", clients, profile);
        waitFor(() -> connections.count(STORM) == clients, clients + " registrations");
        // The same events, live: what delivering them to connected clients takes, for scale.
        arm(shares, missed());
        long sending = System.nanoTime();
        broadcast(broadcaster);
        long live = reached(shares) - sending;
        String lastId = shares.get(0).jvm().ask("last-id").split(" ")[1];
        close(shares);
        broadcast(broadcaster);
        int stale = giveUp(connections);
        waitForDescriptors();

        arm(shares, missed());
        recording = recordings == null ? null : record();
        start = System.nanoTime();
        long resumeAnswered = open(shares, "Last-Event-ID: " + lastId) - start;
        long resume = reached(shares) - start;
        stop(recording, recordings, "resume", clients, profile);
        Thread.sleep(200);
        long total = 0;
        long fewest = Long.MAX_VALUE;
        for (Share share : shares) {
            String[] words = share.jvm().ask("total").split(" ");
            total += Long.parseLong(words[1]);
            fewest = Math.min(fewest, Long.parseLong(words[2]));
        }
        String last = shares.get(0).jvm().ask("last-id").split(" ")[1];
        String expected = sequence(lastId, missed());
        if (total != (long) clients * missed() || fewest != missed() || !last.equals(expected)) {
            throw new IllegalStateException("the resumed clients received " + total + " events, fewest "
                    + fewest + " a client; client 0's last id " + last + ", expected " + expected);
        }
        close(shares);
        // Ends the streams just closed, so that the next trial starts with none.
        for (ConnectionKey key : connections.keys(STORM)) {
            connections.purge(key);
        }
        waitFor(() -> connections.count(STORM) == 0, "the resumed streams to end");
        return new Trial(clients, shares.size(), missed(), fresh, live, resumeAnswered, resume, stale);
    }

    private int missed() {
        return option("missed", 100);
    }

    private void broadcast(Broadcaster broadcaster) {
        for (int i = 0; i < missed(); i++) {
            broadcaster.broadcast(STORM, broadcaster.event(FanOut.NAME, FanOut.DATA));
        }
    }

    /**
     * Every client JVM connects its share at once, each sending {@code header} (or none); returns when the last
     * client of all got its response headers.
     */
    private static long open(List<Share> shares, String header) throws IOException {
        for (Share share : shares) {
            share.jvm().send("open " + share.size() + " " + share.first() + (header.isEmpty() ? "" : " " + header));
        }
        long last = 0;
        for (Share share : shares) {
            String[] words = share.jvm().expect("open");
            if (Integer.parseInt(words[0]) != share.size()) {
                throw new IllegalStateException("a client JVM holds " + words[0] + " clients, not " + share.size());
            }
            last = Math.max(last, Long.parseLong(words[1]));
        }
        return last;
    }

    /** Tells each client JVM to note when its clients together hold {@code events} each; returns once all listen. */
    private static void arm(List<Share> shares, int events) throws IOException {
        for (Share share : shares) {
            share.jvm().send("expect " + (long) share.size() * events);
        }
        for (Share share : shares) {
            share.jvm().expect("armed");
        }
    }

    /** When the last client JVM reached what it was armed with. */
    private static long reached(List<Share> shares) throws IOException {
        for (Share share : shares) {
            share.jvm().send("await");
        }
        long last = 0;
        for (Share share : shares) {
            last = Math.max(last, Long.parseLong(share.jvm().expect("reached")[0]));
        }
        return last;
    }

    /** Every client closes its socket at once. */
    private static void close(List<Share> shares) throws IOException {
        for (Share share : shares) {
            share.jvm().send("close");
        }
        for (Share share : shares) {
            share.jvm().expect("closed");
        }
    }

    /**
     * Waits a little for the dropped streams to be given up (the missed events' writes fail on the closed sockets),
     * then ends those left. An end takes an id after the missed events' and selects no key, so it changes no
     * replay.
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

    /** Waits until the server has let go of the dropped connections' descriptors, so the clients can come back. */
    private void waitForDescriptors() throws InterruptedException {
        if (baseDescriptors >= 0) {
            waitFor(() -> descriptors() <= baseDescriptors + DESCRIPTOR_SLACK,
                    "the server to close the dropped connections (descriptors open: " + descriptors() + ", "
                            + baseDescriptors + " before any client)");
        }
    }

    /** Descriptors this process holds; -1 where that is not known. */
    private static long descriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    private static Recording record() throws Exception {
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
        return recording;
    }

    /** Stops a recording, if any, keeps it as resume-storm-PHASE-CLIENTS.jfr and adds its summary. */
    private static void stop(Recording recording, Path dir, String phase, int clients, List<String> profile)
            throws IOException {
        if (recording == null) {
            return;
        }
        recording.stop();
        Path file = dir.resolve("resume-storm-" + phase + "-" + clients + ".jfr");
        recording.dump(file);
        recording.close();
        for (String row : Profiles.rows(file)) {
            profile.add(phase + "," + clients + "," + row);
        }
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

    private static void write(Path out, List<Trial> trials, List<String> profile) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("resume-storm.csv")))) {
            csv.println("trial,clients,client_jvms,missed,fresh_ms,live_ms,resume_headers_ms,resume_ms,"
                    + "resume_over_fresh,resume_over_fresh_plus_live,stale_ended");
            for (int i = 0; i < trials.size(); i++) {
                Trial t = trials.get(i);
                csv.printf(Locale.ROOT, "%d,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%d%n", i + 1, t.clients(),
                        t.jvms(), t.missed(), t.fresh() / 1e6, t.live() / 1e6, t.resumeAnswered() / 1e6, t.resume() / 1e6,
                        t.ratio(), (double) t.resume() / (t.fresh() + t.live()), t.stale());
            }
        }
        if (!profile.isEmpty()) {
            try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("resume-storm-profile.csv")))) {
                csv.println("phase,clients," + Profiles.COLUMNS);
                profile.forEach(csv::println);
            }
        }
    }

    private static void summary(List<Trial> trials) {
        if (trials.isEmpty()) {
            return;
        }
        double[] ratios = trials.stream().mapToDouble(Trial::ratio).sorted().toArray();
        double[] fresh = trials.stream().mapToDouble(t -> t.fresh() / 1e6).sorted().toArray();
        double[] resume = trials.stream().mapToDouble(t -> t.resume() / 1e6).sorted().toArray();
        System.out.printf(Locale.ROOT, "resume storm: %d clients, %d trials: fresh median %.0f ms, resume median"
                        + " %.0f ms (%.0f–%.0f); resume ÷ fresh median %.2f× (%.2f–%.2f×)%n", trials.get(0).clients(),
                trials.size(), median(fresh), median(resume), resume[0], resume[resume.length - 1], median(ratios),
                ratios[0], ratios[ratios.length - 1]);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
