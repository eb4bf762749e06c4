package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.Connections;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.SfereEvicted;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The slow-client benchmark of issue 4: "the time to deliver with the stalled client present is within 1.2× of the
 * time without it, measured in one run"; with {@code --stalled=N}, that of issue 17: with many clients that never
 * read, "a reading client's events arrive within 2× the time they take without those clients".
 *
 * <p>One Jersey/Grizzly server with Sfere (the fan-out harness's {@link JerseyServer}), {@code readers} raw NIO
 * clients that read everything, and per trial {@code events} broadcasts of about {@code bytes} bytes each, timed from
 * the first broadcast call until every reader holds all of them. Each reader also notes when each event arrives, so
 * a trial reports the readers' delivery time (from the broadcast call to the read that completed the event at a
 * reader) over every reader and event: median, 99th percentile and maximum. Trials alternate "without" and "with"
 * {@code stalled} fresh stalled clients (in pairs, the order reversed every other pair, so drift hits both alike):
 * raw sockets with a 4 KiB receive buffer that ask for the SSE stream and never read. For them to stall within a
 * trial the server's socket send buffer is fixed small ({@code send-buffer}, as the library's SlowClientIT does), and
 * the library's queue is small ({@code queue}, MicroProfile Config {@code sfere.connection.queue-size}), so a stalled
 * client is evicted as {@code SLOW} once its runtime buffers and its queue are full, or once a write to it has
 * blocked for the write deadline ({@code write-timeout}, MicroProfile Config {@code sfere.delivery.write-timeout},
 * the library's default when not given). A trial records how many stalled clients were evicted, with which cause and
 * when, and the most threads named {@code sfere-delivery} alive in this JVM (the server's delivery pool), sampled
 * every 5 ms from the start of the trial until its stalled clients are gone.
 *
 * <p>The broadcasts are paced by the readers, as an application's producer would be (and as SlowClientIT paces
 * them): never more than half a queue ahead of the slowest reader, so no reader's queue overflows. The stalled
 * clients pace nothing. Once every reader holds every event, the trial waits for the stalled clients' evictions (at
 * most the write deadline and 3 s more), then closes their sockets, and the next trial starts once the server has
 * dropped them. After the last trial the run waits up to {@code settle} seconds for the delivery threads to come back
 * to their number before the first trial.
 *
 * <p>With the defaults below, a stalled client's runtime buffers and queue take about 280 events of 1 KB (the kernel
 * doubles the send buffer asked for, and Grizzly queues four times that before a write blocks), so a trial of 400
 * events sees it evicted at about two thirds of the way.
 *
 * <p>Arguments ({@code --name=value}): {@code readers} (1000), {@code stalled} (1 stalled client per "with" trial),
 * {@code events} (400), {@code bytes} (1000), {@code queue} (100), {@code send-buffer} (32768), {@code write-timeout}
 * (ISO-8601, such as {@code PT5S}; unset: the library's default), {@code pairs} (5 measured pairs of trials, after
 * one pair of warm-up), {@code warmup-pairs} (1), {@code settle} (seconds, 15), {@code out} (a directory for the
 * results: {@code stalled.csv}, {@code stalled-trials.csv} and {@code stalled-events.csv} (each broadcast's median and
 * maximum delivery time over the readers) with one stalled client, {@code stalled-N...} with N), {@code timeout} (minutes, 20).
 */
public final class StalledClient {

    private static final String NAME = "tick";
    private static final long STALL_MILLIS = 120_000;
    private static final String DELIVERY_THREADS = "sfere-delivery";
    private static final Duration LIBRARY_WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** How long the readers may make no progress before the threads are dumped for a look. */
    private static final int DUMP_AFTER_SECONDS = 10;

    private final Map<String, String> options;

    private StalledClient(Map<String, String> options) {
        this.options = options;
    }

    /**
     * One trial: how many stalled clients, how long until every reader held every event, the readers' delivery times,
     * what became of the stalled clients, and the delivery threads.
     *
     * @param evictedSlow        stalled clients evicted SLOW by the time their sockets were closed
     * @param evictedSlowInTrial of those, evicted before every reader held every event
     * @param otherEvictions     stalled clients evicted with another cause before their sockets were closed
     * @param firstEvictionMs    the first SLOW eviction of a stalled client, from the first broadcast; NaN if none
     * @param lastEvictionMs     the last one
     * @param firstAtEvent       the broadcast during which the first happened (1-based; {@code events} if after the
     *                           last broadcast began); -1 if none
     * @param lastAtEvent        the same for the last
     * @param threadsAtStart     threads named sfere-delivery when the trial began
     * @param threadsPeak        the most of them at once during the trial
     * @param perEvent           for each broadcast: when it was sent from the first, and the median and maximum of
     *                           the readers' delivery time, in ms
     */
    record Trial(int index, int stalledClients, long nanos, double readerP50Ms, double readerP99Ms, double readerMaxMs,
                 int evictedSlow, int evictedSlowInTrial, int otherEvictions, double firstEvictionMs,
                 double lastEvictionMs, int firstAtEvent, int lastAtEvent, int threadsAtStart, int threadsPeak,
                 double[][] perEvent) {

        boolean stalled() {
            return stalledClients > 0;
        }
    }

    /**
     * Runs the benchmark and exits: Jersey and Weld may leave non-daemon threads behind.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        FanOut.runAndExit(StalledClient::run, args);
    }

    /**
     * Runs the benchmark in this JVM.
     *
     * @param args {@code --name=value} options
     * @throws Exception if a run fails or stalls, or a reader is evicted
     */
    public static void run(String... args) throws Exception {
        new StalledClient(FanOut.options(args)).run();
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, String.valueOf(fallback)));
    }

    /** What one run measures with: the options, read once. */
    private record Setup(int readers, int stalled, int events, int bytes, int queue, int sendBuffer,
                         String writeTimeout, long evictionWaitNanos, String data, Path out) {
    }

    private void run() throws Exception {
        long timeoutMinutes = intOption("timeout", 20);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(timeoutMinutes));
                System.err.println("stalled: still running after " + timeoutMinutes + " minutes; giving up");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException ignored) {
                // Finished in time.
            }
        }, "stalled-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        int readers = intOption("readers", 1000);
        int stalledClients = intOption("stalled", 1);
        if (stalledClients < 1) {
            throw new IllegalArgumentException("--stalled must be at least 1, got " + stalledClients);
        }
        int bytes = intOption("bytes", 1000);
        String writeTimeout = options.get("write-timeout");
        Duration deadline = writeTimeout == null ? LIBRARY_WRITE_TIMEOUT : Duration.parse(writeTimeout);
        String data = "{\"text\":\"" + "x".repeat(Math.max(0, bytes - 11)) + "\"}";
        Setup setup = new Setup(readers, stalledClients, intOption("events", 400), data.length(),
                intOption("queue", 100), intOption("send-buffer", 32 * 1024),
                writeTimeout == null ? LIBRARY_WRITE_TIMEOUT + " (default)" : writeTimeout,
                deadline.toNanos() + TimeUnit.SECONDS.toNanos(3), data,
                Path.of(options.getOrDefault("out", "target/results")));
        int pairs = intOption("pairs", 5);
        int warmupPairs = intOption("warmup-pairs", 1);
        int settle = intOption("settle", 15);
        Path out = setup.out();
        Files.createDirectories(out);

        Map<String, String> config = new HashMap<>(Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", String.valueOf(Math.max(10_000, (readers + stalledClients) * 2)),
                "sfere.connection.queue-size", String.valueOf(setup.queue())));
        if (writeTimeout != null) {
            config.put("sfere.delivery.write-timeout", writeTimeout);
        }
        Deliveries deliveries = new Deliveries();
        List<Trial> trials = new ArrayList<>();
        int threadsBefore;
        int threadsAfter;
        try (JerseyServer server = new JerseyServer(config, setup.sendBuffer());
             SseClients clients = new SseClients(server.address(), 1, deliveries);
             ThreadPeak threads = new ThreadPeak()) {
            server.jersey().off();
            clients.open(readers, i -> "/fan/r" + i + "/events");
            Connections connections = server.connections();
            waitFor(() -> connections.count(KeyPattern.all()) == readers, readers + " registrations", 120);
            threadsBefore = ThreadPeak.count();
            long[] perReader = {0};

            int index = 0;
            for (int pair = 0; pair < warmupPairs + pairs; pair++) {
                boolean measured = pair >= warmupPairs;
                for (int half = 0; half < 2; half++) {
                    boolean stalled = (half == 1) == (pair % 2 == 0);
                    Trial trial = trial(measured ? index : -1, stalled ? stalledClients : 0, setup, server,
                            clients, deliveries, threads, perReader);
                    System.out.println("stalled: " + (measured ? "measured" : "warm-up") + " " + describe(trial));
                    if (measured) {
                        trials.add(trial);
                        index++;
                    }
                }
            }
            List<SfereEvicted> readerEvictions = server.evictions().all().stream()
                    .filter(e -> !e.key().id().startsWith("stalled")).toList();
            if (!readerEvictions.isEmpty()) {
                throw new IllegalStateException("readers were evicted: " + readerEvictions);
            }
            // Idle delivery threads end after 10 s.
            long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(settle);
            while (ThreadPeak.count() > threadsBefore && System.nanoTime() < settled) {
                Thread.sleep(100);
            }
            threadsAfter = ThreadPeak.count();
        }
        write(out, trials, setup, threadsBefore, threadsAfter, settle);
        watchdog.interrupt();
    }

    private static String describe(Trial t) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "trial %s: %.1f ms; readers' delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms; delivery threads %d, "
                        + "peak %d", t.stalled() ? "with " + t.stalledClients() + " stalled" : "without",
                t.nanos() / 1e6, t.readerP50Ms(), t.readerP99Ms(), t.readerMaxMs(), t.threadsAtStart(),
                t.threadsPeak()));
        if (t.stalled()) {
            line.append(String.format(Locale.ROOT, "; %d of %d evicted SLOW (%d before the readers were done)",
                    t.evictedSlow(), t.stalledClients(), t.evictedSlowInTrial()));
            if (t.evictedSlow() > 0) {
                line.append(String.format(Locale.ROOT, ", first after %.1f ms at event %d, last after %.1f ms at "
                        + "event %d", t.firstEvictionMs(), t.firstAtEvent(), t.lastEvictionMs(), t.lastAtEvent()));
            }
            if (t.otherEvictions() > 0) {
                line.append(", ").append(t.otherEvictions()).append(" evicted otherwise");
            }
        }
        return line.toString();
    }

    private Trial trial(int index, int stalledClients, Setup setup, JerseyServer server, SseClients clients,
                        Deliveries deliveries, ThreadPeak threads, long[] perReader) throws Exception {
        Connections connections = server.connections();
        Broadcaster broadcaster = server.broadcaster();
        Evictions evictions = server.evictions();
        int readers = setup.readers();
        int events = setup.events();
        int queue = setup.queue();
        int mark = evictions.size();
        int threadsAtStart = threads.reset();
        String prefix = "stalled-" + System.nanoTime() + "-";
        List<Socket> sockets = new ArrayList<>();
        List<ConnectionKey> keys = new ArrayList<>();
        try {
            InetSocketAddress address = server.address();
            for (int s = 0; s < stalledClients; s++) {
                String id = prefix + s;
                keys.add(ConnectionKey.of("default", "fan", id));
                Socket socket = new Socket();
                sockets.add(socket);
                socket.setReceiveBufferSize(4096);
                socket.connect(address, 5_000);
                OutputStream request = socket.getOutputStream();
                request.write(("GET /fan/" + id + "/events HTTP/1.1\r\nHost: " + address.getHostString() + ":"
                        + address.getPort() + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                request.flush();
            }
            if (stalledClients > 0) {
                waitFor(() -> connections.count(KeyPattern.all()) == readers + stalledClients,
                        "the stalled clients' registrations", 30 + stalledClients / 20);
            }

            long base = deliveries.total();
            long firstPerReader = perReader[0];
            deliveries.expect(base + (long) events * readers);
            SseClients.Arrivals arrivals = clients.timeArrivals(firstPerReader, events);
            long[] sentAt = new long[events];
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                long need = firstPerReader + i - queue / 2;
                if (clients.fewest() < need) {
                    long waitStart = System.nanoTime();
                    long deadline = waitStart + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
                    boolean dumped = false;
                    while (clients.fewest() < need) {
                        long now = System.nanoTime();
                        if (now > deadline) {
                            throw new IllegalStateException("readers stalled at " + clients.fewest() + " of " + need
                                    + " for " + STALL_MILLIS / 1000 + " s: " + clients.lagging(need) + "; "
                                    + readerEvictions(evictions));
                        }
                        if (!dumped && now - waitStart > TimeUnit.SECONDS.toNanos(DUMP_AFTER_SECONDS)) {
                            dumped = true;
                            dump(setup.out(), index, i, clients.lagging(need) + "; " + readerEvictions(evictions));
                        }
                        LockSupport.parkNanos(50_000);
                    }
                    if (dumped) {
                        System.out.printf(Locale.ROOT, "stalled: the readers went on after %.1f s%n",
                                (System.nanoTime() - waitStart) / 1e9);
                    }
                }
                sentAt[i] = System.nanoTime();
                broadcaster.broadcast(KeyPattern.all(), broadcaster.event(NAME, setup.data()));
            }
            long end = deliveries.await(STALL_MILLIS);
            clients.stopTiming();
            perReader[0] += events;
            long[] delivery = deliveryTimes(arrivals, sentAt, readers);
            double[][] perEvent = perEvent(arrivals, sentAt, readers);

            // Evictions the readers did not wait for: at most the write deadline and a little more.
            if (stalledClients > 0) {
                long giveUp = end + setup.evictionWaitNanos();
                while (stalledEvicted(evictions.since(mark), prefix) < stalledClients && System.nanoTime() < giveUp) {
                    Thread.sleep(10);
                }
            }
            List<Long> slow = new ArrayList<>();
            int other = 0;
            for (Evictions.Timed e : evictions.since(mark)) {
                if (e.evicted().key().id().startsWith(prefix)) {
                    if (e.evicted().cause() == EvictionCause.SLOW) {
                        slow.add(e.nanos());
                    } else {
                        other++;
                    }
                }
            }
            slow.sort(null);
            int inTrial = (int) slow.stream().filter(when -> when <= end).count();
            remove(sockets, keys, connections, readers);
            int peak = threads.peak();
            return new Trial(index, stalledClients, end - start, percentile(delivery, 0.50) / 1e6,
                    percentile(delivery, 0.99) / 1e6, delivery[delivery.length - 1] / 1e6, slow.size(), inTrial,
                    other, slow.isEmpty() ? Double.NaN : (slow.get(0) - start) / 1e6,
                    slow.isEmpty() ? Double.NaN : (slow.get(slow.size() - 1) - start) / 1e6,
                    slow.isEmpty() ? -1 : atEvent(sentAt, slow.get(0)),
                    slow.isEmpty() ? -1 : atEvent(sentAt, slow.get(slow.size() - 1)), threadsAtStart, peak,
                    perEvent);
        } finally {
            clients.stopTiming();
            remove(sockets, keys, connections, readers);
        }
    }

    /**
     * Writes what this JVM's threads are doing while the readers wait, to {@code stalled-stall-dump.txt}: every
     * distinct stack once, with how many threads have it, the most common first.
     */
    private static void dump(Path out, int trial, int event, String lagging) {
        Map<String, Integer> stacks = new HashMap<>();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            StringBuilder text = new StringBuilder(info.getThreadState().toString());
            if (info.getLockName() != null) {
                text.append(" on ").append(info.getLockName().replaceAll("@[0-9a-f]+$", ""));
            }
            text.append(" (").append(info.getThreadName().replaceAll("-\\d+$", "-N")).append(")\n");
            for (StackTraceElement frame : info.getStackTrace()) {
                text.append("    at ").append(frame).append('\n');
            }
            stacks.merge(text.toString(), 1, Integer::sum);
        }
        Path file = out.resolve("stalled-stall-dump.txt");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.printf(Locale.ROOT, "trial %d, broadcast %d: no progress for %d s; %s%n%n", trial, event + 1,
                    DUMP_AFTER_SECONDS, lagging);
            stacks.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(e -> w.printf(Locale.ROOT, "%d × %s%n", e.getValue(), e.getKey()));
        } catch (IOException e) {
            System.err.println("stalled: could not write " + file + ": " + e);
        }
        System.out.println("stalled: the readers made no progress for " + DUMP_AFTER_SECONDS + " s at broadcast "
                + (event + 1) + " of trial " + trial + "; " + lagging + "; threads in " + file);
    }

    /** The readers evicted so far, if any. */
    private static String readerEvictions(Evictions evictions) {
        List<SfereEvicted> readers = evictions.all().stream().filter(e -> !e.key().id().startsWith("stalled"))
                .toList();
        return readers.isEmpty() ? "no reader evicted" : readers.size() + " reader(s) evicted: "
                + readers.subList(0, Math.min(10, readers.size()));
    }

    /** How many of the evictions are of this trial's stalled clients, whatever the cause. */
    private static int stalledEvicted(List<Evictions.Timed> evictions, String prefix) {
        int n = 0;
        for (Evictions.Timed e : evictions) {
            if (e.evicted().key().id().startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** The broadcast during which something happened (1-based): the last one begun before it. */
    private static int atEvent(long[] sentAt, long when) {
        int at = 0;
        while (at < sentAt.length && sentAt[at] <= when) {
            at++;
        }
        return at;
    }

    /** Every reader's delivery time of every event, sorted. */
    private static long[] deliveryTimes(SseClients.Arrivals arrivals, long[] sentAt, int readers) {
        long[] times = new long[readers * sentAt.length];
        int n = 0;
        for (int r = 0; r < readers; r++) {
            long[] at = arrivals.at[r];
            for (int i = 0; i < sentAt.length; i++) {
                if (at[i] == 0) {
                    throw new IllegalStateException("reader " + r + " has no arrival time for event " + (i + 1));
                }
                times[n++] = at[i] - sentAt[i];
            }
        }
        Arrays.sort(times);
        return times;
    }

    /** For each event: sent after the first, in ms, and its median and maximum delivery time over the readers. */
    private static double[][] perEvent(SseClients.Arrivals arrivals, long[] sentAt, int readers) {
        double[][] rows = new double[sentAt.length][];
        long[] times = new long[readers];
        for (int i = 0; i < sentAt.length; i++) {
            for (int r = 0; r < readers; r++) {
                times[r] = arrivals.at[r][i] - sentAt[i];
            }
            Arrays.sort(times);
            rows[i] = new double[] {(sentAt[i] - sentAt[0]) / 1e6, percentile(times, 0.50) / 1e6,
                    times[readers - 1] / 1e6};
        }
        return rows;
    }

    /** The nearest-rank percentile of sorted values. */
    private static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * Closes the stalled clients' sockets and waits until the server has dropped them: closed, the server notices at
     * its next write, or never if nothing is left to write, so what is left is purged. Does nothing the second time.
     */
    private static void remove(List<Socket> sockets, List<ConnectionKey> keys, Connections connections, int readers)
            throws InterruptedException {
        if (sockets.isEmpty()) {
            return;
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        sockets.clear();
        try {
            waitFor(() -> connections.count(KeyPattern.all()) == readers, "the stalled clients' removal", 5);
        } catch (IllegalStateException e) {
            keys.forEach(connections::purge);
            waitFor(() -> connections.count(KeyPattern.all()) == readers, "the stalled clients' removal", 5);
        }
    }

    /**
     * The most threads of the server's delivery pool (named {@code sfere-delivery-...}; the server runs in this JVM)
     * alive at once since the last {@link #reset}, sampled every 5 ms.
     */
    private static final class ThreadPeak implements AutoCloseable {
        private final AtomicInteger peak = new AtomicInteger();
        private final Thread sampler;
        private volatile boolean running = true;

        ThreadPeak() {
            sampler = new Thread(() -> {
                while (running) {
                    int now = count();
                    peak.accumulateAndGet(now, Math::max);
                    LockSupport.parkNanos(5_000_000);
                }
            }, "stalled-thread-count");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** Threads named sfere-delivery alive now. */
        static int count() {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            Thread[] all = new Thread[root.activeCount() + 256];
            int n = root.enumerate(all, true);
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (all[i].getName().startsWith(DELIVERY_THREADS)) {
                    count++;
                }
            }
            return count;
        }

        /** Starts a new peak; returns the count now. */
        int reset() {
            int now = count();
            peak.set(now);
            return now;
        }

        int peak() {
            return Math.max(peak.get(), count());
        }

        @Override
        public void close() {
            running = false;
        }
    }

    private static void waitFor(BooleanSupplier condition, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static double median(List<Trial> trials, boolean stalled, ToDoubleFunction<Trial> value) {
        double[] values = trials.stream().filter(t -> t.stalled() == stalled).mapToDouble(value).sorted().toArray();
        int n = values.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
    }

    private static double max(List<Trial> trials, boolean stalled, ToDoubleFunction<Trial> value) {
        return trials.stream().filter(t -> t.stalled() == stalled).mapToDouble(value).max().orElse(Double.NaN);
    }

    private static String optional(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static void write(Path out, List<Trial> trials, Setup setup, int threadsBefore, int threadsAfter,
                              int settle) throws IOException {
        double without = median(trials, false, t -> t.nanos() / 1e6);
        double with = median(trials, true, t -> t.nanos() / 1e6);
        double p50Without = median(trials, false, Trial::readerP50Ms);
        double p50With = median(trials, true, Trial::readerP50Ms);
        double p99Without = median(trials, false, Trial::readerP99Ms);
        double p99With = median(trials, true, Trial::readerP99Ms);
        double maxWithout = max(trials, false, Trial::readerMaxMs);
        double maxWith = max(trials, true, Trial::readerMaxMs);
        List<Trial> withTrials = trials.stream().filter(Trial::stalled).toList();
        // As in issue 4: trials whose stalled clients were all evicted SLOW before the readers were done.
        long allEvictedSlow = withTrials.stream().filter(t -> t.evictedSlowInTrial() == t.stalledClients()).count();
        int opened = withTrials.stream().mapToInt(Trial::stalledClients).sum();
        int evictedSlow = withTrials.stream().mapToInt(Trial::evictedSlow).sum();
        double lastEviction = max(trials, true, Trial::lastEvictionMs);
        int peakWithout = (int) max(trials, false, Trial::threadsPeak);
        int peakWith = (int) max(trials, true, Trial::threadsPeak);
        String name = setup.stalled() == 1 ? "stalled" : "stalled-" + setup.stalled();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".csv")))) {
            csv.println("readers,stalled_clients,events,data_bytes,queue_size,send_buffer,write_timeout,"
                    + "trials_without,trials_with,median_without_ms,median_with_ms,ratio_with_without,"
                    + "with_trials_evicted_slow,reader_p50_without_ms,reader_p50_with_ms,reader_p50_ratio,"
                    + "reader_p99_without_ms,reader_p99_with_ms,reader_p99_ratio,reader_max_without_ms,"
                    + "reader_max_with_ms,reader_max_ratio,stalled_opened,stalled_evicted_slow,last_eviction_ms,"
                    + "delivery_threads_before,delivery_threads_peak_without,delivery_threads_peak_with,"
                    + "delivery_threads_after");
            csv.printf(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%s,%d,%d,%.3f,%.3f,%.4f,%d,%.3f,%.3f,%.4f,%.3f,%.3f,%.4f,"
                            + "%.3f,%.3f,%.4f,%d,%d,%s,%d,%d,%d,%d%n", setup.readers(), setup.stalled(),
                    setup.events(), setup.bytes(), setup.queue(), setup.sendBuffer(),
                    setup.writeTimeout().replace(" (default)", ""), trials.size() - withTrials.size(),
                    withTrials.size(), without, with, with / without, allEvictedSlow, p50Without, p50With,
                    p50With / p50Without, p99Without, p99With, p99With / p99Without, maxWithout, maxWith,
                    maxWith / maxWithout, opened, evictedSlow, optional(lastEviction), threadsBefore, peakWithout,
                    peakWith, threadsAfter);
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve(name + "-trials.csv")))) {
            csv.println("trial,stalled_client,stalled_clients,ms,reader_p50_ms,reader_p99_ms,reader_max_ms,"
                    + "stalled_client_eviction,evicted_slow,evicted_slow_in_trial,evicted_otherwise,evicted_after_ms,"
                    + "evicted_at_event,last_evicted_after_ms,last_evicted_at_event,delivery_threads_start,"
                    + "delivery_threads_peak");
            for (Trial t : trials) {
                // As in issue 4: what became of the stalled clients before every reader held every event.
                String eviction = !t.stalled() ? ""
                        : t.evictedSlowInTrial() == t.stalledClients() ? "SLOW"
                        : t.evictedSlowInTrial() > 0 ? "SLOW " + t.evictedSlowInTrial() + " of " + t.stalledClients()
                        : "none";
                csv.printf(Locale.ROOT, "%d,%s,%d,%.3f,%.3f,%.3f,%.3f,%s,%s,%s,%s,%s,%s,%s,%s,%d,%d%n", t.index(),
                        t.stalled() ? "with" : "without", t.stalledClients(), t.nanos() / 1e6, t.readerP50Ms(),
                        t.readerP99Ms(), t.readerMaxMs(), eviction,
                        t.stalled() ? String.valueOf(t.evictedSlow()) : "",
                        t.stalled() ? String.valueOf(t.evictedSlowInTrial()) : "",
                        t.stalled() ? String.valueOf(t.otherEvictions()) : "", optional(t.firstEvictionMs()),
                        t.firstAtEvent() < 0 ? "" : String.valueOf(t.firstAtEvent()), optional(t.lastEvictionMs()),
                        t.lastAtEvent() < 0 ? "" : String.valueOf(t.lastAtEvent()), t.threadsAtStart(),
                        t.threadsPeak());
            }
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve(name + "-events.csv")))) {
            csv.println("trial,stalled_clients,event,sent_ms,reader_p50_ms,reader_max_ms");
            for (Trial t : trials) {
                for (int i = 0; i < t.perEvent().length; i++) {
                    double[] e = t.perEvent()[i];
                    csv.printf(Locale.ROOT, "%d,%d,%d,%.3f,%.3f,%.3f%n", t.index(), t.stalledClients(), i + 1, e[0],
                            e[1], e[2]);
                }
            }
        }
        System.out.printf(Locale.ROOT, "stalled: %d readers, %d stalled clients per trial, %d events of %d B, write "
                        + "deadline %s; median %.1f ms without, %.1f ms with them: %.2f×; readers' delivery p50 %.1f "
                        + "→ %.1f ms (%.2f×), p99 %.1f → %.1f ms (%.2f×), max %.1f → %.1f ms (%.2f×); %d of %d "
                        + "stalled clients evicted SLOW, all of them within the trial in %d of %d trials, the last after %s ms; "
                        + "delivery threads %d before, peak %d without and %d with, %d after %d s%n",
                setup.readers(), setup.stalled(), setup.events(), setup.bytes(), setup.writeTimeout(), without,
                with, with / without, p50Without, p50With, p50With / p50Without, p99Without, p99With,
                p99With / p99Without, maxWithout, maxWith, maxWith / maxWithout, evictedSlow, opened,
                allEvictedSlow, withTrials.size(), optional(lastEviction), threadsBefore, peakWithout, peakWith,
                threadsAfter, settle);
    }
}
