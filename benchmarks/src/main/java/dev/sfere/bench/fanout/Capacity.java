package dev.sfere.bench.fanout;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 22's capacity: how many SSE streams one Jersey/Grizzly instance holds, and what each costs, at a growing
 * number of streams. Two servers run side by side, each a JVM of its own ({@link CapacityServer}) with the same
 * stack (Weld, Jersey on Grizzly, the Sfere extension): {@code sfere}, whose streams the library keeps, and
 * {@code bare}, whose sinks sit in a map ({@link BareSinks}), the baseline; {@code sides} may add
 * {@code sfere-header}, Sfere's streams from a method that declares the {@code Last-Event-ID} header. Their clients
 * live in further JVMs ({@link ClientShare}, at most {@code per-process} streams each), so a server's process
 * holds one descriptor per stream and little else: with this machine's limit of 20,000 descriptors a process,
 * 19,000 streams.
 *
 * <p>At each step every side is brought to the same number of streams; then, side by side:
 * <ul>
 *   <li><b>heap</b>: the bytes of live objects (a class histogram, which collects first), and the histogram itself
 *       kept for the classes that grow with the streams;</li>
 *   <li><b>native</b>: the resident set; the heap is committed and touched at start ({@code -Xms} = {@code -Xmx},
 *       {@code -XX:+AlwaysPreTouch}), so what the resident set gains is memory outside the heap;</li>
 *   <li><b>broadcast</b>: from just before the broadcast call until the last stream's client holds the event
 *       ({@code rounds} samples a side, the sides taking turns, after a few of warm-up);</li>
 *   <li><b>events/s</b>: broadcasts back to back, at most {@code window} ahead of delivery, for {@code seconds} a
 *       side in two halves taking turns.</li>
 * </ul>
 * Per stream, a step's figure is its gain over the same server with no streams, divided by the streams; and a
 * straight line fitted through the steps gives the cost of each further stream and what 100,000 would take. Before
 * any stream opens, the Sfere sides broadcast {@code fill} events, so the library's history of recent events is at
 * its bound (4 MiB) throughout instead of growing from step to step. Heartbeats are off on every side.
 *
 * <p>Arguments ({@code --name=value}): {@code steps} (1000,2000,5000,10000,19000), {@code sides} (sfere,bare),
 * {@code per-process} (9500 clients a client JVM), {@code rounds} (10), {@code warmup} (5 broadcasts a side; four
 * times as many at the first step), {@code seconds} (4), {@code window} (8), {@code heap} (2g, each server),
 * {@code fill} (20000), {@code profile} (the step whose throughput is recorded with JFR: {@code last} by default,
 * or {@code none}), {@code out} (for capacity.csv, capacity-fit.csv, capacity-classes.csv, capacity-profile.csv,
 * the histograms and the recordings), {@code timeout} (minutes, 60). Writes its results after each step, so a run
 * that fails at a high count keeps the steps below.
 */
public final class Capacity {

    /** A class histogram's line: rank, instances, bytes, class name. */
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(180);

    private final Map<String, String> options;

    private Capacity(Map<String, String> options) {
        this.options = options;
    }

    /** One JVM of clients, and the events its clients together should have received once all is delivered. */
    private static final class Clients {
        final ChildJvm jvm;
        int size;
        long expected;

        Clients(ChildJvm jvm) {
            this.jvm = jvm;
        }
    }

    /** One side: its server, its clients' JVMs, and what was measured. */
    private final class Side implements AutoCloseable {
        final String name;
        final ChildJvm server;
        int port;
        final List<Clients> clients = new ArrayList<>();
        int streams;
        /** Pending opens: the client JVMs asked, read back by {@link #opened()}. */
        final List<Clients> opening = new ArrayList<>();

        Side(String name) throws IOException {
            this.name = name;
            String heap = option("heap", "2g");
            server = new ChildJvm("the " + name + " server", List.of("-Xms" + heap, "-Xmx" + heap,
                    "-XX:+AlwaysPreTouch"), CapacityServer.class, List.of(name, String.valueOf(timeout())));
        }

        void started() throws IOException {
            port = Integer.parseInt(server.expect("ready")[0]);
        }

        /** Asks the client JVMs for more streams, up to {@code target}; {@link #opened()} waits for them. */
        void open(int target) throws IOException {
            int perProcess = Integer.parseInt(option("per-process", "9500"));
            while (streams < target) {
                Clients last = clients.isEmpty() ? null : clients.get(clients.size() - 1);
                if (last == null || last.size >= perProcess) {
                    List<String> args = new ArrayList<>(List.of(String.valueOf(port), "/capacity/" + name + "/",
                            String.valueOf(timeout())));
                    if (name.equals("sfere-header")) {
                        // An empty id: the method's parameter has it, so the library looks no further.
                        args.add("Last-Event-ID: ");
                    }
                    last = new Clients(new ChildJvm("a " + name + " client JVM",
                            List.of("-Xmx256m", "-XX:+UseSerialGC"), ClientShare.class, args));
                    clients.add(last);
                }
                int n = Math.min(perProcess - last.size, target - streams);
                last.jvm.send("open " + n + " " + streams);
                last.size += n;
                streams += n;
                opening.add(last);
            }
        }

        void opened() throws IOException {
            for (Clients c : opening) {
                int size = Integer.parseInt(c.jvm.expect("open")[0]);
                if (size != c.size) {
                    throw new IllegalStateException(name + ": a client JVM holds " + size + ", not " + c.size);
                }
            }
            opening.clear();
            long deadline = System.nanoTime() + WAIT_NANOS;
            int count;
            while ((count = Integer.parseInt(server.ask("count").split(" ")[1])) != streams) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " holds " + count + " streams, not " + streams);
                }
                sleep(20);
            }
        }

        /** Sends one broadcast and counts what each client JVM should then hold; returns when it was sent. */
        long send() throws IOException {
            long start = Long.parseLong(server.ask("send").split(" ")[1]);
            for (Clients c : clients) {
                c.expected += c.size;
            }
            return start;
        }

        /** Waits until each client JVM holds what it should after {@code behind} fewer broadcasts; returns when. */
        long await(int behind, boolean check) throws IOException {
            arm(-behind);
            return reached(check);
        }

        /** Nanoseconds from one broadcast call until every client holds the event. */
        long once() throws IOException {
            arm(1);
            long start = send();
            return reached(true) - start;
        }

        /**
         * Tells each client JVM the total to wait for: what it should hold {@code ahead} broadcasts from now (or
         * before, below 0). Returns once all are waiting, so that a broadcast sent next is timed from its start.
         */
        private void arm(int ahead) throws IOException {
            for (Clients c : clients) {
                c.jvm.send("expect " + (c.expected + (long) ahead * c.size));
            }
            for (Clients c : clients) {
                c.jvm.expect("armed");
            }
        }

        /** When the last client JVM reached the total it was armed with; {@code check}: client 0's event too. */
        private long reached(boolean check) throws IOException {
            for (Clients c : clients) {
                c.jvm.send(check ? "await check" : "await");
            }
            long last = 0;
            for (Clients c : clients) {
                last = Math.max(last, Long.parseLong(c.jvm.expect("reached")[0]));
            }
            return last;
        }

        /** Events delivered and nanoseconds taken, broadcasting back to back for about {@code seconds}. */
        long[] throughput(double seconds, int window) throws IOException {
            long start = System.nanoTime();
            long stop = start + (long) (seconds * 1e9);
            long sent = 0;
            while (System.nanoTime() < stop) {
                if (sent >= window) {
                    await(window - 1, false);
                }
                send();
                sent++;
            }
            long end = await(0, true);
            return new long[] {sent * streams, end - start};
        }

        /** Live heap bytes, resident bytes and threads, the histogram written to {@code file}. */
        long[] memory(Path file) throws IOException {
            String[] words = server.ask("memory " + file.toAbsolutePath()).split(" ");
            return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3])};
        }

        @Override
        public void close() {
            for (Clients c : clients) {
                c.jvm.close();
            }
            server.close();
        }
    }

    /** What one side measured at one number of streams. */
    record Step(String side, int streams, long heap, long resident, long threads, long[] broadcasts,
                double eventsPerSecond, double openSeconds) {
        double quantileMillis(double q) {
            if (broadcasts.length == 0) {
                return Double.NaN;
            }
            long[] sorted = broadcasts.clone();
            Arrays.sort(sorted);
            return sorted[(int) Math.round(q * (sorted.length - 1))] / 1e6;
        }
    }

    /**
     * Runs the benchmark and exits: the children end when their input closes.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        FanOut.runAndExit(Capacity::run, args);
    }

    /**
     * Runs the benchmark in this JVM, its servers and clients in others.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a step fails, stalls or a client receives something else than the expected event
     */
    public static void run(String... args) throws Exception {
        new Capacity(FanOut.options(args)).run();
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    private long timeout() {
        return Long.parseLong(option("timeout", "60"));
    }

    void run() throws Exception {
        ChildJvm.watchdog("capacity", timeout());
        int[] steps = Arrays.stream(option("steps", "1000,2000,5000,10000,19000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int rounds = Integer.parseInt(option("rounds", "10"));
        int warmup = Integer.parseInt(option("warmup", "5"));
        double seconds = Double.parseDouble(option("seconds", "4"));
        int window = Integer.parseInt(option("window", "8"));
        Path out = Path.of(option("out", "target/results"));
        Path histograms = out.resolve("capacity-histograms");
        Files.createDirectories(histograms);

        List<Side> sides = new ArrayList<>();
        try {
            for (String name : option("sides", "sfere,bare").split(",")) {
                sides.add(new Side(name.trim()));
            }
            for (Side side : sides) {
                side.started();
                if (!side.name.equals("bare")) {
                    side.server.ask("fill " + option("fill", "20000"));
                }
            }
            List<Step> results = new ArrayList<>();
            for (Side side : sides) {
                long[] memory = side.memory(histograms.resolve(side.name + "-0.txt"));
                results.add(new Step(side.name, 0, memory[0], memory[1], memory[2], new long[0], Double.NaN, 0));
            }
            boolean first = true;
            for (int step : steps) {
                long opening = System.nanoTime();
                for (Side side : sides) {
                    side.open(step);
                }
                for (Side side : sides) {
                    side.opened();
                }
                double openSeconds = (System.nanoTime() - opening) / 1e9;
                for (int i = 0; i < (first ? 4 * warmup : warmup); i++) {
                    for (Side side : sides) {
                        side.once();
                    }
                }
                first = false;
                Map<Side, long[]> memory = new HashMap<>();
                for (Side side : sides) {
                    memory.put(side, side.memory(histograms.resolve(side.name + "-" + step + ".txt")));
                }
                long[][] broadcasts = new long[sides.size()][rounds];
                for (int r = 0; r < rounds; r++) {
                    for (int j = 0; j < sides.size(); j++) {
                        int s = r % 2 == 0 ? j : sides.size() - 1 - j;
                        broadcasts[s][r] = sides.get(s).once();
                    }
                }
                boolean profile = option("profile", "last").equals("last") ? step == steps[steps.length - 1]
                        : option("profile", "last").equals(String.valueOf(step));
                if (profile) {
                    for (Side side : sides) {
                        side.server.ask("jfr start " + out.resolve("capacity-" + side.name + ".jfr").toAbsolutePath());
                    }
                }
                long[] events = new long[sides.size()];
                long[] nanos = new long[sides.size()];
                for (int half = 0; half < 2; half++) {
                    for (int j = 0; j < sides.size(); j++) {
                        int s = half == 0 ? j : sides.size() - 1 - j;
                        long[] run = sides.get(s).throughput(seconds / 2, window);
                        events[s] += run[0];
                        nanos[s] += run[1];
                    }
                }
                if (profile) {
                    for (Side side : sides) {
                        side.server.ask("jfr stop");
                    }
                    profiles(out, sides.stream().map(side -> side.name).toList(), step);
                }
                for (int s = 0; s < sides.size(); s++) {
                    Side side = sides.get(s);
                    long[] m = memory.get(side);
                    Step result = new Step(side.name, step, m[0], m[1], m[2], broadcasts[s],
                            events[s] * 1e9 / nanos[s], openSeconds);
                    results.add(result);
                    System.out.printf(Locale.ROOT, "capacity: %-5s %,7d streams: heap %,d B live (%,.0f B a stream "
                                    + "over none), resident %,d MiB, %d threads; broadcast median %.1f ms, %,.0f "
                                    + "events/s; opened in %.1f s%n", side.name, step, m[0],
                            (double) (m[0] - base(results, side.name).heap()) / step, m[1] >> 20, m[2],
                            result.quantileMillis(0.5), result.eventsPerSecond(), openSeconds);
                }
                write(out, results, histograms);
            }
        } finally {
            for (Side side : sides) {
                side.close();
            }
        }
    }

    private static Step base(List<Step> results, String side) {
        return results.stream().filter(r -> r.side().equals(side) && r.streams() == 0).findFirst().orElseThrow();
    }

    private static void write(Path out, List<Step> results, Path histograms) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("capacity.csv")))) {
            csv.println("side,streams,heap_live_bytes,heap_per_stream_bytes,resident_bytes,native_per_stream_bytes,"
                    + "threads,broadcasts,broadcast_median_ms,broadcast_p90_ms,events_per_second,open_seconds");
            for (Step r : results) {
                Step base = base(results, r.side());
                csv.printf(Locale.ROOT, "%s,%d,%d,%.1f,%d,%.1f,%d,%d,%.3f,%.3f,%.0f,%.1f%n", r.side(), r.streams(),
                        r.heap(), r.streams() == 0 ? Double.NaN : (double) (r.heap() - base.heap()) / r.streams(),
                        r.resident(), r.streams() == 0 ? Double.NaN
                                : (double) (r.resident() - base.resident()) / r.streams(),
                        r.threads(), r.broadcasts().length, r.quantileMillis(0.5), r.quantileMillis(0.9),
                        r.eventsPerSecond(), r.openSeconds());
            }
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("capacity-fit.csv")))) {
            csv.println("side,metric,per_stream,intercept,r2,at_100000,steps");
            for (String side : results.stream().map(Step::side).distinct().toList()) {
                List<Step> steps = results.stream().filter(r -> r.side().equals(side) && r.streams() > 0).toList();
                if (steps.size() < 2) {
                    continue;
                }
                fit(csv, side, "heap_bytes", steps, r -> r.heap());
                fit(csv, side, "resident_bytes", steps, r -> r.resident());
                fit(csv, side, "broadcast_ms", steps, r -> r.quantileMillis(0.5));
            }
        }
        classes(out, results, histograms);
    }

    /** A least-squares line through the steps: y = intercept + per_stream × streams. */
    private static void fit(PrintWriter csv, String side, String metric, List<Step> steps,
                            java.util.function.ToDoubleFunction<Step> y) {
        double[] line = line(steps.stream().mapToDouble(Step::streams).toArray(),
                steps.stream().mapToDouble(y).toArray());
        csv.printf(Locale.ROOT, "%s,%s,%.4f,%.1f,%.4f,%.1f,%d%n", side, metric, line[1], line[0], line[2],
                line[0] + line[1] * 100_000, steps.size());
    }

    /** Intercept, slope and r² of the least-squares line through the points. */
    static double[] line(double[] x, double[] y) {
        int n = x.length;
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        double slope = sxy / sxx;
        return new double[] {my - slope * mx, slope, syy == 0 ? 1 : sxy * sxy / (sxx * syy)};
    }

    /**
     * The classes whose live bytes grow with the streams, between the first and the last step: bytes and instances
     * per stream, and each class's owner (Sfere, Grizzly, Jersey with HK2, Weld, or the JDK's own types, used by
     * any of them; the benchmark's resources are the application's). Only the largest are listed, and a total per
     * owner.
     */
    private static void classes(Path out, List<Step> results, Path histograms) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("capacity-classes.csv")))) {
            csv.println("side,owner,class,bytes_per_stream,instances_per_stream");
            for (String side : results.stream().map(Step::side).distinct().toList()) {
                List<Step> steps = results.stream().filter(r -> r.side().equals(side) && r.streams() > 0).toList();
                if (steps.size() < 2) {
                    continue;
                }
                Step low = steps.get(0);
                Step high = steps.get(steps.size() - 1);
                Map<String, long[]> a = histogram(histograms.resolve(side + "-" + low.streams() + ".txt"));
                Map<String, long[]> b = histogram(histograms.resolve(side + "-" + high.streams() + ".txt"));
                double n = high.streams() - low.streams();
                Map<String, double[]> growth = new HashMap<>();
                Map<String, Double> owners = new TreeMap<>();
                for (Map.Entry<String, long[]> e : b.entrySet()) {
                    long[] before = a.getOrDefault(e.getKey(), new long[2]);
                    double bytes = (e.getValue()[1] - before[1]) / n;
                    growth.put(e.getKey(), new double[] {bytes, (e.getValue()[0] - before[0]) / n});
                    owners.merge(owner(e.getKey()), bytes, Double::sum);
                }
                for (Map.Entry<String, long[]> e : a.entrySet()) {
                    if (!b.containsKey(e.getKey())) {
                        owners.merge(owner(e.getKey()), -e.getValue()[1] / n, Double::sum);
                    }
                }
                owners.forEach((owner, bytes) -> csv.printf(Locale.ROOT, "%s,%s,*,%.1f,%n", side, owner, bytes));
                growth.entrySet().stream()
                        .sorted(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> -e.getValue()[0]))
                        .limit(25)
                        .forEach(e -> csv.printf(Locale.ROOT, "%s,%s,%s,%.1f,%.3f%n", side, owner(e.getKey()),
                                e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
        }
    }

    /** Where each side's CPU went while it broadcast back to back at the profiled step ({@link Profiles}). */
    private static void profiles(Path out, List<String> sides, int step) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("capacity-profile.csv")))) {
            csv.println("side,streams," + Profiles.COLUMNS);
            for (String side : sides) {
                for (String row : Profiles.rows(out.resolve("capacity-" + side + ".jfr"))) {
                    csv.println(side + "," + step + "," + row);
                }
            }
        }
    }

    /** Instances and bytes by class name, from a {@code GC.class_histogram}. */
    private static Map<String, long[]> histogram(Path file) throws IOException {
        Map<String, long[]> classes = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.find()) {
                classes.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
                        (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
            }
        }
        return classes;
    }

    /** Whose a class is, by its package; arrays by their element type. The benchmark's own are the application's. */
    static String owner(String className) {
        String name = className.replaceFirst("^\\[+L", "").replace(";", "");
        if (name.startsWith("dev.sfere.bench.")) {
            return "application";
        }
        if (name.startsWith("dev.sfere.")) {
            return "sfere";
        }
        if (name.startsWith("org.glassfish.grizzly.")) {
            return "grizzly";
        }
        if (name.startsWith("org.glassfish.jersey.") || name.startsWith("org.glassfish.hk2.")
                || name.startsWith("org.jvnet.hk2.")) {
            return "jersey";
        }
        if (name.startsWith("org.jboss.weld.")) {
            return "weld";
        }
        return "jdk";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
