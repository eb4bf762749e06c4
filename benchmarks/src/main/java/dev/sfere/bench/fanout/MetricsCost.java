package dev.sfere.bench.fanout;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 20's cost of metrics: the fan-out harness's {@code sfere} sender with the library's OpenTelemetry metrics off
 * and on ({@code FanOut --metrics=off|on}), each in a JVM of its own, in pairs whose order alternates (off first,
 * then on first), so that a JVM's luck and the machine's bursts of load fall on both sides alike. For each pair it
 * reports on ÷ off of the latency's median and p99 and of events/s, then the median of each ratio over the pairs.
 *
 * <p>Arguments ({@code --name=value}): {@code clients} (comma-separated, default 1000), {@code pairs} (3),
 * {@code rounds} (300 latency samples per JVM), {@code warmup} (20), {@code seconds} (3, for throughput),
 * {@code heap} (the children's {@code -Xmx} and {@code -Xms}, 2g), {@code out} (a directory for
 * {@code metrics.csv}; each JVM's own results go under {@code metrics-runs/}), {@code timeout} (minutes per JVM,
 * 10).
 */
public final class MetricsCost {

    private final Map<String, String> options;

    private MetricsCost(Map<String, String> options) {
        this.options = options;
    }

    /** One JVM's figures. */
    private record Run(double load, double median, double p99, double eventsPerSecond) {
    }

    /** A pair's figures and ratios, on ÷ off. */
    private record Pair(int clients, String pair, String first, double load, Run off, Run on) {
        double medianRatio() {
            return on.median / off.median;
        }

        double p99Ratio() {
            return on.p99 / off.p99;
        }

        double eventsRatio() {
            return on.eventsPerSecond / off.eventsPerSecond;
        }
    }

    /**
     * Runs the pairs and exits.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        FanOut.runAndExit(MetricsCost::run, args);
    }

    /**
     * Runs the pairs, each JVM after the other.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a JVM fails or stalls
     */
    public static void run(String... args) throws Exception {
        new MetricsCost(FanOut.options(args)).run();
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    private void run() throws Exception {
        int pairs = Integer.parseInt(option("pairs", "3"));
        if (pairs < 1) {
            throw new IllegalArgumentException("--pairs must be at least 1, not " + pairs);
        }
        Path out = Path.of(option("out", "target/results"));
        Files.createDirectories(out);
        List<Pair> results = new ArrayList<>();
        for (String size : option("clients", "1000").split(",")) {
            int clients = Integer.parseInt(size.trim());
            for (int p = 0; p < pairs; p++) {
                boolean offFirst = p % 2 == 0;
                double load = load();
                Run first = child(out, clients, p, offFirst ? "off" : "on");
                Run second = child(out, clients, p, offFirst ? "on" : "off");
                results.add(new Pair(clients, String.valueOf(p + 1), offFirst ? "off" : "on", load,
                        offFirst ? first : second, offFirst ? second : first));
                write(out, results);
            }
        }
        print(results);
    }

    /** One JVM of the fan-out harness, the {@code sfere} sender alone. */
    private Run child(Path out, int clients, int pair, String metrics) throws IOException, InterruptedException {
        double load = load();
        Path dir = out.resolve("metrics-runs").resolve(clients + "-" + (pair + 1) + "-" + metrics);
        String heap = option("heap", "2g");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long timeout = Long.parseLong(option("timeout", "10"));
        Process process = new ProcessBuilder(javaBin, "-Xms" + heap, "-Xmx" + heap,
                "-cp", System.getProperty("java.class.path"), FanOut.class.getName(),
                "--clients=" + clients, "--senders=sfere", "--metrics=" + metrics,
                "--warmup=" + option("warmup", "20"), "--rounds=" + option("rounds", "300"),
                "--seconds=" + option("seconds", "3"), "--timeout=" + timeout, "--out=" + dir)
                .inheritIO()
                .start();
        if (!process.waitFor(timeout + 1, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the fan-out JVM with metrics " + metrics + " did not end");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the fan-out JVM with metrics " + metrics + " failed: "
                    + process.exitValue());
        }
        List<String> samples = Files.readAllLines(dir.resolve("fanout-samples.csv"));
        long[] latencies = samples.stream().skip(1).mapToLong(line -> Long.parseLong(line.split(",")[3])).toArray();
        List<String> summary = Files.readAllLines(dir.resolve("fanout.csv"));
        int column = Arrays.asList(summary.get(0).split(",")).indexOf("events_per_second");
        double eventsPerSecond = Double.parseDouble(summary.get(1).split(",")[column]);
        FanOut.Result result = new FanOut.Result(clients, "sfere", latencies, eventsPerSecond, 0);
        return new Run(load, result.quantileMillis(0.5), result.quantileMillis(0.99), eventsPerSecond);
    }

    /** The one-minute load average, NaN where there is no /proc. */
    private static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The pairs, then per number of clients a row {@code median} of each ratio over its pairs. */
    private static List<String[]> rows(List<Pair> results) {
        List<String[]> rows = new ArrayList<>();
        for (Pair p : results) {
            rows.add(new String[] {String.valueOf(p.clients()), p.pair(), p.first(), fmt("%.1f", p.load()),
                fmt("%.3f", p.off().median()), fmt("%.3f", p.on().median()), fmt("%.3f", p.off().p99()),
                fmt("%.3f", p.on().p99()), fmt("%.0f", p.off().eventsPerSecond()),
                fmt("%.0f", p.on().eventsPerSecond()), fmt("%.3f", p.medianRatio()), fmt("%.3f", p.p99Ratio()),
                fmt("%.3f", p.eventsRatio())});
        }
        for (int clients : results.stream().mapToInt(Pair::clients).distinct().toArray()) {
            List<Pair> of = results.stream().filter(p -> p.clients() == clients).toList();
            rows.add(new String[] {String.valueOf(clients), "median", "", "", "", "", "", "", "", "",
                fmt("%.3f", median(of.stream().mapToDouble(Pair::medianRatio).toArray())),
                fmt("%.3f", median(of.stream().mapToDouble(Pair::p99Ratio).toArray())),
                fmt("%.3f", median(of.stream().mapToDouble(Pair::eventsRatio).toArray()))});
        }
        return rows;
    }

    private static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

    private static final String HEADER = "clients,pair,first,load_before,off_median_ms,on_median_ms,off_p99_ms,"
            + "on_p99_ms,off_events_per_second,on_events_per_second,median_on_off,p99_on_off,events_per_second_on_off";

    private static void write(Path out, List<Pair> results) throws IOException {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("metrics.csv")))) {
            csv.println(HEADER);
            for (String[] row : rows(results)) {
                csv.println(String.join(",", row));
            }
        }
    }

    private static void print(List<Pair> results) {
        System.out.printf(Locale.ROOT, "%8s %-6s %-5s %6s %10s %10s %10s %10s %12s %12s %7s %7s %7s%n",
                (Object[]) HEADER.replace("_ms", "").replace("events_per_second", "ev/s").replace("_on_off", "")
                        .split(","));
        for (String[] row : rows(results)) {
            System.out.printf(Locale.ROOT, "%8s %-6s %-5s %6s %10s %10s %10s %10s %12s %12s %7s %7s %7s%n",
                    (Object[]) row);
        }
    }
}
