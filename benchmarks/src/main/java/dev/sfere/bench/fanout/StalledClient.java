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
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The slow-client benchmark of issue 4: "the time to deliver with the stalled client present is within 1.2× of the
 * time without it, measured in one run".
 *
 * <p>One Jersey/Grizzly server with Sfere (the fan-out harness's {@link JerseyServer}), {@code readers} raw NIO
 * clients that read everything, and per trial {@code events} broadcasts of about {@code bytes} bytes each, timed from
 * the first broadcast call until every reader holds all of them. Trials alternate "without" and "with" a fresh
 * stalled client (in pairs, the order reversed every other pair, so drift hits both alike): a raw socket with a
 * 4 KiB receive buffer that asks for the SSE stream and never reads. For it to stall within a trial the server's
 * socket send buffer is fixed small ({@code send-buffer}, as the library's SlowClientIT does), and the library's
 * queue is small ({@code queue}, MicroProfile Config {@code sfere.connection.queue-size}), so the stalled client is
 * evicted as {@code SLOW} once its runtime buffers and its queue are full; the trial records whether and when.
 *
 * <p>The broadcasts are paced by the readers, as an application's producer would be (and as SlowClientIT paces
 * them): never more than half a queue ahead of the slowest reader, so no reader's queue overflows. The stalled client
 * paces nothing. After a "with" trial the stalled socket is closed, and the next trial starts once the server has
 * dropped it.
 *
 * <p>With the defaults below, the stalled client's runtime buffers and queue take about 280 events of 1 KB (the
 * kernel doubles the send buffer asked for, and Grizzly queues four times that before a write blocks), so a trial
 * of 400 events sees it evicted at about two thirds of the way.
 *
 * <p>Arguments ({@code --name=value}): {@code readers} (1000), {@code events} (400), {@code bytes} (1000),
 * {@code queue} (100), {@code send-buffer} (32768), {@code pairs} (5 measured pairs of trials, after one pair of
 * warm-up), {@code warmup-pairs} (1), {@code out} (a directory for stalled.csv and stalled-trials.csv),
 * {@code timeout} (minutes, 20).
 */
public final class StalledClient {

    private static final String NAME = "tick";
    private static final long STALL_MILLIS = 120_000;

    private final Map<String, String> options;

    private StalledClient(Map<String, String> options) {
        this.options = options;
    }

    /** One trial: with or without the stalled client, how long, and what became of the stalled client. */
    record Trial(int index, boolean stalled, long nanos, String stalledEviction, double evictedAfterMillis,
                 int evictedAtEvent) {
    }

    /**
     * Runs the benchmark and exits: Jersey and Weld may leave non-daemon threads behind.
     *
     * @param args {@code --name=value} options
     */
    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
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
        int events = intOption("events", 400);
        int bytes = intOption("bytes", 1000);
        int queue = intOption("queue", 100);
        int sendBuffer = intOption("send-buffer", 32 * 1024);
        int pairs = intOption("pairs", 5);
        int warmupPairs = intOption("warmup-pairs", 1);
        Path out = Path.of(options.getOrDefault("out", "target/results"));
        Files.createDirectories(out);
        String data = "{\"text\":\"" + "x".repeat(Math.max(0, bytes - 11)) + "\"}";

        Map<String, String> config = Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", String.valueOf(Math.max(10_000, readers * 2)),
                "sfere.connection.queue-size", String.valueOf(queue));
        Deliveries deliveries = new Deliveries();
        List<Trial> trials = new ArrayList<>();
        try (JerseyServer server = new JerseyServer(config, sendBuffer);
             SseClients clients = new SseClients(server.address(), 1, deliveries)) {
            clients.open(readers, i -> "/fan/r" + i + "/events");
            Connections connections = server.connections();
            waitFor(() -> connections.count(KeyPattern.all()) == readers, readers + " registrations", 120);
            Broadcaster broadcaster = server.broadcaster();
            Evictions evictions = server.evictions();
            long[] perReader = {0};

            int index = 0;
            for (int pair = 0; pair < warmupPairs + pairs; pair++) {
                boolean measured = pair >= warmupPairs;
                for (int half = 0; half < 2; half++) {
                    boolean stalled = (half == 1) == (pair % 2 == 0);
                    Trial trial = trial(measured ? index : -1, stalled, server, connections, broadcaster, evictions,
                            clients, deliveries, perReader, readers, events, queue, data);
                    System.out.printf(Locale.ROOT, "stalled: %s trial %s: %.1f ms%s%n",
                            measured ? "measured" : "warm-up", stalled ? "with" : "without", trial.nanos() / 1e6,
                            stalled ? ", stalled client " + trial.stalledEviction()
                                    + (Double.isNaN(trial.evictedAfterMillis()) ? ""
                                    : String.format(Locale.ROOT, " after %.1f ms, at event %d",
                                    trial.evictedAfterMillis(), trial.evictedAtEvent()))
                                    : "");
                    if (measured) {
                        trials.add(trial);
                        index++;
                    }
                }
            }
            List<SfereEvicted> readerEvictions = evictions.all().stream()
                    .filter(e -> !e.key().id().startsWith("stalled")).toList();
            if (!readerEvictions.isEmpty()) {
                throw new IllegalStateException("readers were evicted: " + readerEvictions);
            }
        }
        write(out, trials, readers, events, data.length(), queue, sendBuffer);
        watchdog.interrupt();
    }

    private Trial trial(int index, boolean stalled, JerseyServer server, Connections connections,
                        Broadcaster broadcaster, Evictions evictions, SseClients clients, Deliveries deliveries,
                        long[] perReader, int readers, int events, int queue, String data) throws Exception {
        Socket socket = null;
        ConnectionKey stalledKey = null;
        if (stalled) {
            String id = "stalled-" + System.nanoTime();
            stalledKey = ConnectionKey.of("default", "fan", id);
            socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(server.address(), 5_000);
            OutputStream request = socket.getOutputStream();
            InetSocketAddress address = server.address();
            request.write(("GET /fan/" + id + "/events HTTP/1.1\r\nHost: " + address.getHostString() + ":"
                    + address.getPort() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            waitFor(() -> connections.count(KeyPattern.all()) == readers + 1, "the stalled client's registration", 30);
        }
        try {
            long base = deliveries.total();
            long firstPerReader = perReader[0];
            deliveries.expect(base + (long) events * readers);
            long[] sentAt = new long[events];
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                long need = firstPerReader + i - queue / 2;
                if (clients.fewest() < need) {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
                    while (clients.fewest() < need) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("readers stalled at " + clients.fewest() + " of " + need);
                        }
                        LockSupport.parkNanos(50_000);
                    }
                }
                sentAt[i] = System.nanoTime();
                broadcaster.broadcast(KeyPattern.all(), broadcaster.event(NAME, data));
            }
            long end = deliveries.await(STALL_MILLIS);
            perReader[0] += events;
            String eviction = "none";
            double after = Double.NaN;
            int atEvent = -1;
            if (stalled) {
                for (EvictionCause cause : EvictionCause.values()) {
                    Long when = evictions.when(new SfereEvicted(stalledKey, cause));
                    if (when != null && when <= end) {
                        eviction = cause.name();
                        after = (when - start) / 1e6;
                        // The broadcast during which it happened (1-based): the last one begun before it.
                        atEvent = 0;
                        while (atEvent < events && sentAt[atEvent] <= when) {
                            atEvent++;
                        }
                    }
                }
            }
            return new Trial(index, stalled, end - start, eviction, after, atEvent);
        } finally {
            if (socket != null) {
                socket.close();
                ConnectionKey key = stalledKey;
                // Closed, the server notices at its next write, or never if nothing is left to write: then purge it.
                try {
                    waitFor(() -> connections.count(KeyPattern.all()) == readers, "the stalled client's removal", 5);
                } catch (IllegalStateException e) {
                    connections.purge(key);
                    waitFor(() -> connections.count(KeyPattern.all()) == readers, "the stalled client's removal", 5);
                }
            }
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

    private static double medianMillis(List<Trial> trials, boolean stalled) {
        long[] nanos = trials.stream().filter(t -> t.stalled() == stalled).mapToLong(Trial::nanos).sorted().toArray();
        if (nanos.length == 0) {
            return Double.NaN;
        }
        int n = nanos.length;
        return (n % 2 == 1 ? nanos[n / 2] : (nanos[n / 2 - 1] + nanos[n / 2]) / 2.0) / 1e6;
    }

    private static void write(Path out, List<Trial> trials, int readers, int events, int bytes, int queue,
                              int sendBuffer) throws IOException {
        double without = medianMillis(trials, false);
        double with = medianMillis(trials, true);
        long withTrials = trials.stream().filter(Trial::stalled).count();
        long evictedSlow = trials.stream().filter(t -> t.stalled() && t.stalledEviction().equals("SLOW")).count();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("stalled.csv")))) {
            csv.println("readers,events,data_bytes,queue_size,send_buffer,trials_without,trials_with,"
                    + "median_without_ms,median_with_ms,ratio_with_without,with_trials_evicted_slow");
            csv.printf(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.4f,%d%n", readers, events, bytes, queue,
                    sendBuffer, trials.size() - withTrials, withTrials, without, with, with / without, evictedSlow);
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("stalled-trials.csv")))) {
            csv.println("trial,stalled_client,ms,stalled_client_eviction,evicted_after_ms,evicted_at_event");
            for (Trial t : trials) {
                csv.printf(Locale.ROOT, "%d,%s,%.3f,%s,%s,%s%n", t.index(), t.stalled() ? "with" : "without",
                        t.nanos() / 1e6, t.stalled() ? t.stalledEviction() : "",
                        Double.isNaN(t.evictedAfterMillis()) ? ""
                                : String.format(Locale.ROOT, "%.1f", t.evictedAfterMillis()),
                        t.evictedAtEvent() < 0 ? "" : String.valueOf(t.evictedAtEvent()));
            }
        }
        System.out.printf(Locale.ROOT, "stalled: %d readers, %d events of %d B; median %.1f ms without, %.1f ms with "
                        + "the stalled client: %.2f×; stalled client evicted SLOW within %d of %d trials%n",
                readers, events, bytes, without, with, with / without, evictedSlow, withTrials);
    }
}
