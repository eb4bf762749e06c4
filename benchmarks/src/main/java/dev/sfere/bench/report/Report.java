package dev.sfere.bench.report;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the result files of a run into Markdown tables with ratios ({@code tables.md}) and PNG charts. Arguments:
 * the results directory, then the directory for the charts (default: the results directory). Each input is
 * optional; whatever is missing is skipped.
 */
public final class Report {

    private final Path results;
    private final Path charts;
    private final PrintWriter md;

    private Report(Path results, Path charts, PrintWriter md) {
        this.results = results;
        this.charts = charts;
        this.md = md;
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path results = Path.of(args.length > 0 ? args[0] : "target/results");
        Path charts = Path.of(args.length > 1 ? args[1] : results.toString());
        Files.createDirectories(charts);
        StringWriter text = new StringWriter();
        try (PrintWriter md = new PrintWriter(text)) {
            Report report = new Report(results, charts, md);
            report.lookup();
            report.keyOf();
            report.storeOps();
            report.memory();
            report.fanOut();
            report.stalled();
            report.manyStalled();
            report.capacity();
        }
        Files.writeString(results.resolve("tables.md"), text.toString());
        System.out.print(text);
    }

    private List<Map<String, String>> rows(String file) throws IOException {
        Path path = results.resolve(file);
        return Files.exists(path) ? Csv.read(path) : List.of();
    }

    /** The method name with JMH's percentile suffix, if any: {@code keys}, {@code keys:p0.50}. */
    private static String method(Map<String, String> row) {
        String name = row.get("Benchmark");
        int colon = name.indexOf(':');
        String base = colon < 0 ? name : name.substring(0, colon);
        return base.substring(base.lastIndexOf('.') + 1) + (colon < 0 ? "" : name.substring(colon));
    }

    /**
     * The median of a benchmark: JMH's sample mode writes one row per percentile, {@code method:p0.50} the median.
     * The machine is shared, and the median shrugs off the bursts in which the host lends the CPU to others; a mean
     * does not. Rows of other modes (a mean) are used as they are.
     */
    private static double score(List<Map<String, String>> rows, String method, Map<String, String> params) {
        boolean sampled = rows.stream().anyMatch(r -> method(r).equals(method + ":p0.50"));
        String wanted = sampled ? method + ":p0.50" : method;
        for (Map<String, String> row : rows) {
            if (!method(row).equals(wanted)) {
                continue;
            }
            boolean all = true;
            for (Map.Entry<String, String> p : params.entrySet()) {
                if (!p.getValue().equals(row.get(p.getKey()))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return Csv.number(row, "Score");
            }
        }
        return Double.NaN;
    }

    private static Set<String> values(List<Map<String, String>> rows, String column) {
        Set<String> out = new LinkedHashSet<>();
        rows.forEach(r -> out.add(r.get(column)));
        return out;
    }

    private void lookup() throws IOException {
        List<Map<String, String>> rows = new ArrayList<>(rows("lookup.csv"));
        rows.addAll(rows("lookup-caffeine.csv"));
        if (rows.isEmpty()) {
            return;
        }
        for (String method : List.of("keys", "count")) {
            md.printf("### Pattern lookup: `%s(pattern)`, median µs per call (lower is better)%n%n", method);
            md.println("| pattern | keys | Sfere memory | Sfere Caffeine | seed scan | scan ÷ memory | scan ÷ Caffeine |");
            md.println("|---|---:|---:|---:|---:|---:|---:|");
            for (String pattern : values(rows, "pattern")) {
                for (String size : values(rows, "size")) {
                    double memory = score(rows, method, Map.of("pattern", pattern, "size", size, "impl",
                            "sfere-memory"));
                    double caffeine = score(rows, method, Map.of("pattern", pattern, "size", size, "impl",
                            "sfere-caffeine"));
                    double scan = score(rows, method, Map.of("pattern", pattern, "size", size, "impl", "seed-scan"));
                    md.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", patternName(pattern),
                            Charts.format(Double.parseDouble(size)), num(memory), num(caffeine), num(scan),
                            ratio(scan / memory), ratio(scan / caffeine));
                }
            }
            md.println();
        }
        md.println("### Pattern lookup: growth from 10k to 1M keys, `keys(pattern)`");
        md.println();
        md.println("| pattern | matches at 10k / 1M | Sfere memory 1M ÷ 10k | Sfere Caffeine 1M ÷ 10k | seed scan 1M ÷ 10k |");
        md.println("|---|---|---:|---:|---:|");
        for (String pattern : values(rows, "pattern")) {
            md.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", patternName(pattern), matches(pattern),
                    ratio(growth(rows, pattern, "sfere-memory")), ratio(growth(rows, pattern, "sfere-caffeine")),
                    ratio(growth(rows, pattern, "seed-scan")));
        }
        md.println();

        List<Charts.Series> series = new ArrayList<>();
        int colour = 0;
        for (String pattern : values(rows, "pattern")) {
            for (String impl : List.of("sfere-memory", "seed-scan")) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (String size : values(rows, "size")) {
                    double y = score(rows, "keys", Map.of("pattern", pattern, "size", size, "impl", impl));
                    if (!Double.isNaN(y)) {
                        xs.add(Double.parseDouble(size));
                        ys.add(y);
                    }
                }
                if (!xs.isEmpty()) {
                    series.add(new Charts.Series((impl.equals("seed-scan") ? "seed scan " : "Sfere ")
                            + patternName(pattern).replace("`", ""), Charts.PALETTE[colour],
                            impl.equals("seed-scan"), true, unbox(xs), unbox(ys)));
                }
            }
            colour++;
        }
        Charts.logLog(charts.resolve("lookup.png"), "Pattern lookup keys(pattern): Sfere's indexes vs the seed's scan",
                "keys in the store", "µs per lookup (log)", series);
    }

    private static double growth(List<Map<String, String>> rows, String pattern, String impl) {
        return score(rows, "keys", Map.of("pattern", pattern, "size", "1000000", "impl", impl))
                / score(rows, "keys", Map.of("pattern", pattern, "size", "10000", "impl", impl));
    }

    private static String matches(String pattern) {
        return switch (pattern) {
            case "exact" -> "1 / 1";
            case "category" -> "100 / 10,000";
            case "scope" -> "1,000 / 1,000";
            case "all" -> "10,000 / 1,000,000";
            default -> "?";
        };
    }

    private static String patternName(String pattern) {
        return switch (pattern) {
            case "exact" -> "exact key";
            case "category" -> "`[ANY, lobby-42, ANY]`";
            case "scope" -> "`[user-7, ANY, ANY]`";
            case "all" -> "`[ANY, ANY, ANY]`";
            default -> pattern;
        };
    }

    private void keyOf() throws IOException {
        List<Map<String, String>> rows = rows("keyof.csv");
        if (rows.isEmpty()) {
            return;
        }
        md.println("### Key of a connection, median ns per call");
        md.println();
        md.println("| keys | Sfere memory | Sfere Caffeine | seed scan | scan ÷ memory | scan ÷ Caffeine |");
        md.println("|---:|---:|---:|---:|---:|---:|");
        for (String size : values(rows, "size")) {
            double memory = score(rows, "keyOf", Map.of("size", size, "impl", "sfere-memory"));
            double caffeine = score(rows, "keyOf", Map.of("size", size, "impl", "sfere-caffeine"));
            double scan = score(rows, "keyOf", Map.of("size", size, "impl", "seed-scan"));
            md.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", Charts.format(Double.parseDouble(size)),
                    num(memory), num(caffeine), num(scan), ratio(scan / memory), ratio(scan / caffeine));
        }
        md.println();
    }

    private void storeOps() throws IOException {
        List<Map<String, String>> rows = new ArrayList<>(rows("storeops-t1.csv"));
        rows.addAll(rows("storeops-t2.csv"));
        if (rows.isEmpty()) {
            return;
        }
        md.println("### Store, get and purge of one key, median ns per cycle (each thread)");
        md.println();
        md.println("| threads | store, against what | store | baseline | overhead |");
        md.println("|---:|---|---:|---:|---:|");
        String[][] variants = {
            {"sfere-memory", "bare-chm",
                "memory store after a lookup in each position, against a bare ConcurrentHashMap"},
            {"sfere-memory-no-lookups", "bare-chm", "memory store before any lookup (no position index), same"},
            {"sfere-memory-by-scope", "bare-chm", "memory store after a lookup by scope only (the part every key shares: no index kept), same"},
            {"sfere-memory-by-category", "bare-chm", "memory store after a lookup by category only, same"},
            {"sfere-memory-by-id", "bare-chm", "memory store after a lookup by id only, same"},
            {"sfere-memory", "bare-chm-indexed", "memory store after a lookup in each position, against a "
                + "ConcurrentHashMap with category and id indexes kept by hand (a concurrent set per part)"},
            {"bare-chm-indexed", "bare-chm", "not Sfere: that ConcurrentHashMap with hand-kept indexes, against "
                + "the bare one"},
            {"sfere-caffeine", "bare-caffeine",
                "Caffeine store after a lookup in each position, against a bare Caffeine cache"},
            {"sfere-caffeine-no-lookups", "bare-caffeine", "Caffeine store before any lookup (no position index), same"},
        };
        for (String threads : values(rows, "Threads")) {
            for (String[] variant : variants) {
                double sfere = score(rows, "storeGetPurge", Map.of("Threads", threads, "impl", variant[0]));
                double bare = score(rows, "storeGetPurge", Map.of("Threads", threads, "impl", variant[1]));
                if (Double.isNaN(sfere) || Double.isNaN(bare)) {
                    continue;
                }
                md.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", threads, variant[2], num(sfere), num(bare),
                        ratio(sfere / bare));
            }
        }
        md.println();
    }

    private void memory() throws IOException {
        List<Map<String, String>> rows = rows("memory.csv");
        if (rows.isEmpty()) {
            return;
        }
        md.println("### Retained bytes per connection (the sink excluded)");
        md.println();
        boolean queue = rows.get(0).containsKey("queue_after_first_event_bytes");
        md.println("| store | connections | store and indexes | + stream and key | total | JOL cross-check (store) |"
                + (queue ? " + queue after a first event | total after a first event |" : ""));
        md.println("|---|---:|---:|---:|---:|---:|" + (queue ? "---:|---:|" : ""));
        for (Map<String, String> row : rows) {
            double store = Csv.number(row, "store_bytes_per_connection");
            double connection = Csv.number(row, "connection_and_key_bytes");
            double jol = Csv.number(row, "jol_store_bytes");
            md.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.0f | %s |", row.get("impl"),
                    Charts.format(Double.parseDouble(row.get("connections"))), store, connection, store + connection,
                    Double.isNaN(jol) ? "–" : String.format(Locale.ROOT, "%.0f", jol));
            if (queue) {
                double bytes = Csv.number(row, "queue_after_first_event_bytes");
                md.printf(Locale.ROOT, " %.0f | %.0f |", bytes, store + connection + bytes);
            }
            md.println();
        }
        md.println();
    }

    private void fanOut() throws IOException {
        List<Map<String, String>> rows = rows("fanout.csv");
        if (rows.isEmpty()) {
            return;
        }
        md.println("### Fan-out over HTTP on loopback");
        md.println();
        md.println("| clients | sender | latency median ms | p90 ms | events/s | Jersey ÷ sender (latency) | sender ÷ raw (latency) | sender ÷ Jersey (events/s) | raw ÷ sender (events/s) |");
        md.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        List<String> senders = new ArrayList<>(values(rows, "sender"));
        List<Charts.Group> latency = new ArrayList<>();
        List<Charts.Group> throughput = new ArrayList<>();
        for (String clients : values(rows, "clients")) {
            Map<String, String> jersey = find(rows, clients, "jersey");
            Map<String, String> raw = find(rows, clients, "raw");
            double[] lat = new double[senders.size()];
            double[] eps = new double[senders.size()];
            for (int i = 0; i < senders.size(); i++) {
                Map<String, String> row = find(rows, clients, senders.get(i));
                if (row == null) {
                    continue;
                }
                double median = Csv.number(row, "latency_median_ms");
                double events = Csv.number(row, "events_per_second");
                lat[i] = median;
                eps[i] = events / 1000;
                md.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %,.0f | %s | %s | %s | %s |%n",
                        Charts.format(Double.parseDouble(clients)), senders.get(i), median,
                        Csv.number(row, "latency_p90_ms"), events,
                        jersey == null ? "–" : ratio(Csv.number(jersey, "latency_median_ms") / median),
                        raw == null ? "–" : ratio(median / Csv.number(raw, "latency_median_ms")),
                        jersey == null ? "–" : ratio(events / Csv.number(jersey, "events_per_second")),
                        raw == null ? "–" : ratio(Csv.number(raw, "events_per_second") / events));
            }
            String label = Charts.format(Double.parseDouble(clients)) + " clients";
            latency.add(new Charts.Group(label, lat));
            throughput.add(new Charts.Group(label, eps));
        }
        md.println();
        Charts.bars(charts.resolve("fanout-latency.png"), "Fan-out: broadcast until the last client holds it",
                "median ms (lower is better)", senders, latency);
        Charts.bars(charts.resolve("fanout-throughput.png"), "Fan-out: sustained events delivered",
                "thousand events per second (higher is better)", senders, throughput);
    }

    private void stalled() throws IOException {
        List<Map<String, String>> rows = rows("stalled.csv");
        if (rows.isEmpty()) {
            return;
        }
        md.println("### Slow client: delivery with and without a stalled client");
        md.println();
        md.println("| readers | events × bytes | queue size | send buffer | trials without / with | median without ms | median with ms | with ÷ without | target | stalled client evicted SLOW within the trial |");
        md.println("|---:|---|---:|---:|---|---:|---:|---:|---|---|");
        for (Map<String, String> row : rows) {
            double ratio = Csv.number(row, "ratio_with_without");
            md.printf(Locale.ROOT, "| %s | %s × %s B | %s | %s B | %s / %s | %.1f | %.1f | %s | ≤ 1.20× (%s) | %s of %s |%n",
                    Charts.format(Csv.number(row, "readers")), row.get("events"), row.get("data_bytes"),
                    row.get("queue_size"), Charts.format(Csv.number(row, "send_buffer")), row.get("trials_without"),
                    row.get("trials_with"), Csv.number(row, "median_without_ms"), Csv.number(row, "median_with_ms"),
                    ratio(ratio), ratio <= 1.2 ? "met" : "missed", row.get("with_trials_evicted_slow"),
                    row.get("trials_with"));
        }
        md.println();
        List<Map<String, String>> trials = rows("stalled-trials.csv");
        List<Double> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < trials.size(); i += 2) {
            Map<String, String> a = trials.get(i);
            Map<String, String> b = trials.get(i + 1);
            if (!a.get("stalled_client").equals(b.get("stalled_client"))) {
                boolean aWith = a.get("stalled_client").equals("with");
                pairs.add(Csv.number(aWith ? a : b, "ms") / Csv.number(aWith ? b : a, "ms"));
            }
        }
        if (!pairs.isEmpty()) {
            List<Double> sorted = new ArrayList<>(pairs);
            sorted.sort(null);
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            StringBuilder each = new StringBuilder();
            pairs.forEach(r -> each.append(each.length() == 0 ? "" : ", ").append(ratio(r)));
            md.printf(Locale.ROOT, "Trial by trial, with ÷ without within each pair of neighbouring trials: %s; "
                    + "median %s, from %s to %s.%n%n", each, ratio(median), ratio(sorted.get(0)),
                    ratio(sorted.get(n - 1)));
        }
        if (!trials.isEmpty()) {
            md.println("| trial | stalled client | ms | stalled client's eviction | after ms | at event |");
            md.println("|---:|---|---:|---|---:|---:|");
            for (Map<String, String> t : trials) {
                md.printf(Locale.ROOT, "| %s | %s | %.1f | %s | %s | %s |%n", t.get("trial"), t.get("stalled_client"),
                        Csv.number(t, "ms"), dash(t.get("stalled_client_eviction")), dash(t.get("evicted_after_ms")),
                        dash(t.get("evicted_at_event")));
            }
            md.println();
        }
    }

    /**
     * Issue 17: the readers' delivery time with many stalled clients ({@code stalled-N.csv}, from
     * {@code run.sh stalled --stalled=N}) against without, target within 2×, and every stalled client evicted SLOW.
     * The single stalled client of issue 4 ({@code stalled.csv}) is shown too when it has the readers' times.
     */
    private void manyStalled() throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        if (Files.isDirectory(results)) {
            try (var files = Files.list(results)) {
                for (Path file : files.filter(f -> f.getFileName().toString().matches("stalled(-\\d+)?\\.csv"))
                        .sorted().toList()) {
                    Csv.read(file).stream().filter(r -> r.containsKey("reader_p50_ratio")).forEach(rows::add);
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        rows.sort(Comparator.comparingDouble(r -> Csv.number(r, "stalled_clients")));
        md.println("### Many stalled clients: the readers' delivery time with and without them");
        md.println();
        md.println("| stalled clients | readers | write deadline | trials without / with | reader p50 ms without → with | "
                + "reader p99 ms without → with | reader max ms | p50 ratio | p99 ratio | target (p99) | evicted SLOW | "
                + "delivery threads peak with | after |");
        md.println("|---:|---:|---|---|---|---|---|---:|---:|---|---|---:|---:|");
        for (Map<String, String> row : rows) {
            double p99 = Csv.number(row, "reader_p99_ratio");
            md.printf(Locale.ROOT, "| %s | %s | %s | %s / %s | %.1f → %.1f | %.1f → %.1f | %.1f → %.1f | %s | %s | "
                            + "≤ 2× (%s) | %s of %s | %s | %s |%n",
                    Charts.format(Csv.number(row, "stalled_clients")), Charts.format(Csv.number(row, "readers")),
                    row.get("write_timeout"), row.get("trials_without"), row.get("trials_with"),
                    Csv.number(row, "reader_p50_without_ms"), Csv.number(row, "reader_p50_with_ms"),
                    Csv.number(row, "reader_p99_without_ms"), Csv.number(row, "reader_p99_with_ms"),
                    Csv.number(row, "reader_max_without_ms"), Csv.number(row, "reader_max_with_ms"),
                    ratio(Csv.number(row, "reader_p50_ratio")), ratio(p99), p99 <= 2 ? "met" : "missed",
                    row.get("stalled_evicted_slow"), row.get("stalled_opened"),
                    row.get("delivery_threads_peak_with"), row.get("delivery_threads_after"));
        }
        md.println();
    }

    /**
     * Issue 22's capacity ({@code capacity.csv} and its fits, from {@code run.sh capacity}): per step, each side's
     * heap, memory outside the heap, broadcast time and events/s, side by side; the lines fitted through the steps,
     * read at 100,000 streams; whose classes grow with the streams; and two charts, heap and broadcast time against
     * streams, each with its fitted line carried on to 100,000.
     */
    private void capacity() throws IOException {
        List<Map<String, String>> rows = rows("capacity.csv");
        if (rows.isEmpty()) {
            return;
        }
        List<Map<String, String>> steps = rows.stream().filter(r -> !r.get("streams").equals("0")).toList();
        md.println("### Capacity on Jersey/Grizzly: Sfere's streams against sinks kept in a map, side by side");
        md.println();
        md.println("| streams | live heap MiB, Sfere / bare | heap per stream B, Sfere / bare | Sfere's share B | "
                + "outside the heap per stream B, Sfere / bare | broadcast median ms, Sfere / bare | bare ÷ Sfere | "
                + "events/s, Sfere / bare | Sfere ÷ bare |");
        md.println("|---:|---|---|---:|---|---|---:|---|---:|");
        for (String streams : values(steps, "streams")) {
            Map<String, String> sfere = side(rows, "sfere", streams);
            Map<String, String> bare = side(rows, "bare", streams);
            if (sfere == null || bare == null) {
                continue;
            }
            double sferePer = Csv.number(sfere, "heap_per_stream_bytes");
            double barePer = Csv.number(bare, "heap_per_stream_bytes");
            md.printf(Locale.ROOT, "| %s | %.0f / %.0f | %,.0f / %,.0f | %,.0f | %,.0f / %,.0f | %.1f / %.1f | %s "
                            + "| %,.0f / %,.0f | %s |%n",
                    Charts.format(Double.parseDouble(streams)), Csv.number(sfere, "heap_live_bytes") / (1 << 20),
                    Csv.number(bare, "heap_live_bytes") / (1 << 20), sferePer, barePer, sferePer - barePer,
                    Csv.number(sfere, "native_per_stream_bytes"), Csv.number(bare, "native_per_stream_bytes"),
                    Csv.number(sfere, "broadcast_median_ms"), Csv.number(bare, "broadcast_median_ms"),
                    ratio(Csv.number(bare, "broadcast_median_ms") / Csv.number(sfere, "broadcast_median_ms")),
                    Csv.number(sfere, "events_per_second"), Csv.number(bare, "events_per_second"),
                    ratio(Csv.number(sfere, "events_per_second") / Csv.number(bare, "events_per_second")));
        }
        md.println();
        List<Map<String, String>> fits = rows("capacity-fit.csv");
        if (!fits.isEmpty()) {
            md.println("Lines fitted through the steps (least squares), read at 100,000 streams:");
            md.println();
            md.println("| side | heap per further stream B (r²) | heap at 100k GiB | resident per further stream B | "
                    + "broadcast ms per 1,000 streams (r²) | broadcast at 100k ms |");
            md.println("|---|---:|---:|---:|---:|---:|");
            for (String side : values(fits, "side")) {
                Map<String, String> heap = fit(fits, side, "heap_bytes");
                Map<String, String> resident = fit(fits, side, "resident_bytes");
                Map<String, String> broadcast = fit(fits, side, "broadcast_ms");
                md.printf(Locale.ROOT, "| %s | %,.0f (%.3f) | %.2f | %,.0f | %.2f (%.3f) | %,.0f |%n", side,
                        Csv.number(heap, "per_stream"), Csv.number(heap, "r2"),
                        Csv.number(heap, "at_100000") / (1 << 30), Csv.number(resident, "per_stream"),
                        Csv.number(broadcast, "per_stream") * 1000, Csv.number(broadcast, "r2"),
                        Csv.number(broadcast, "at_100000"));
            }
            md.println();
        }
        List<Map<String, String>> classes = rows("capacity-classes.csv");
        if (!classes.isEmpty()) {
            md.println("Heap per further stream by owner, from the class histograms of the lowest and highest step "
                    + "(the JDK's types are used by all the others):");
            md.println();
            md.println("| owner | Sfere side B | bare side B |");
            md.println("|---|---:|---:|");
            for (String owner : values(classes, "owner")) {
                md.printf(Locale.ROOT, "| %s | %s | %s |%n", owner, perOwner(classes, "sfere", owner),
                        perOwner(classes, "bare", owner));
            }
            md.println();
            md.println("| largest classes, Sfere side | owner | B per stream | instances per stream |");
            md.println("|---|---|---:|---:|");
            classes.stream().filter(r -> r.get("side").equals("sfere") && !r.get("class").equals("*")).limit(12)
                    .forEach(r -> md.printf(Locale.ROOT, "| `%s` | %s | %,.0f | %.2f |%n", r.get("class"),
                            r.get("owner"), Csv.number(r, "bytes_per_stream"), Csv.number(r, "instances_per_stream")));
            md.println();
        }
        List<Map<String, String>> profile = rows("capacity-profile.csv");
        if (!profile.isEmpty()) {
            md.printf("CPU while broadcasting back to back at %s streams (flight recordings): execution samples by "
                    + "thread and by the innermost code outside the JDK; \"in send\": the share of them inside "
                    + "Jersey's `SseEventSink.send`.%n%n", Charts.format(Csv.number(profile.get(0), "streams")));
            md.println("| side | threads | code | share of samples | in send |");
            md.println("|---|---|---|---:|---:|");
            for (Map<String, String> r : profile) {
                md.printf(Locale.ROOT, "| %s | %s | %s | %.0f%% | %.0f%% |%n", r.get("side"), r.get("threads"),
                        r.get("owner"), 100 * Csv.number(r, "share"), 100 * Csv.number(r, "in_jersey_send"));
            }
            md.println();
        }
        List<Charts.Series> heap = new ArrayList<>();
        List<Charts.Series> broadcast = new ArrayList<>();
        int colour = 0;
        for (String side : values(steps, "side")) {
            List<Map<String, String>> own = steps.stream().filter(r -> r.get("side").equals(side)).toList();
            double[] x = own.stream().mapToDouble(r -> Csv.number(r, "streams")).toArray();
            String label = side.equals("sfere") ? "Sfere" : "bare sinks in a map";
            heap.add(new Charts.Series(label, Charts.PALETTE[colour], false, true, x,
                    own.stream().mapToDouble(r -> Csv.number(r, "heap_live_bytes") / (1 << 20)).toArray()));
            broadcast.add(new Charts.Series(label, Charts.PALETTE[colour], false, true, x,
                    own.stream().mapToDouble(r -> Csv.number(r, "broadcast_median_ms")).toArray()));
            Map<String, String> heapFit = fit(fits, side, "heap_bytes");
            if (heapFit != null) {
                heap.add(fitted(label, colour, heapFit, 1.0 / (1 << 20)));
                broadcast.add(fitted(label, colour, fit(fits, side, "broadcast_ms"), 1));
            }
            colour++;
        }
        Charts.linear(charts.resolve("capacity-heap.png"), "Capacity: live heap against open SSE streams",
                "streams held by one Jersey/Grizzly server", "MiB of live heap after a full collection", heap);
        Charts.linear(charts.resolve("capacity-broadcast.png"), "Capacity: one broadcast until every stream has it",
                "streams held by one Jersey/Grizzly server", "median ms (lower is better)", broadcast);
    }

    private static Map<String, String> side(List<Map<String, String>> rows, String side, String streams) {
        return rows.stream().filter(r -> r.get("side").equals(side) && r.get("streams").equals(streams))
                .findFirst().orElse(null);
    }

    private static Map<String, String> fit(List<Map<String, String>> fits, String side, String metric) {
        return fits.stream().filter(r -> r.get("side").equals(side) && r.get("metric").equals(metric))
                .findFirst().orElse(null);
    }

    /** A fitted line from no streams to 100,000, dashed, its values scaled by {@code unit}. */
    private static Charts.Series fitted(String label, int colour, Map<String, String> fit, double unit) {
        double intercept = Csv.number(fit, "intercept");
        double slope = Csv.number(fit, "per_stream");
        return new Charts.Series(label + ", fitted line", Charts.PALETTE[colour], true, false,
                new double[] {0, 100_000}, new double[] {Math.max(0, intercept * unit),
                    (intercept + slope * 100_000) * unit});
    }

    private static String perOwner(List<Map<String, String>> classes, String side, String owner) {
        return classes.stream().filter(r -> r.get("side").equals(side) && r.get("owner").equals(owner)
                        && r.get("class").equals("*")).findFirst()
                .map(r -> String.format(Locale.ROOT, "%,.0f", Csv.number(r, "bytes_per_stream"))).orElse("–");
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "–" : value;
    }

    private static Map<String, String> find(List<Map<String, String>> rows, String clients, String sender) {
        for (Map<String, String> row : rows) {
            if (row.get("clients").equals(clients) && row.get("sender").equals(sender)) {
                return row;
            }
        }
        return null;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : Charts.format(v);
    }

    private static String ratio(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f×", v) : String.format(Locale.ROOT, "%.2f×", v);
    }

    private static double[] unbox(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
