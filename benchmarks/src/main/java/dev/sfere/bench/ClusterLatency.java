package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.cluster.NatsCluster;
import dev.sfere.cluster.NatsSettings;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Cluster comparison: what the cluster adds to delivery. Two instances of the library's delivery engine with its
 * NATS cluster run in this JVM against one real nats-server on loopback, each with a store holding one stream. Each
 * round broadcasts one event through the first engine, as the library's {@code Broadcaster} does, and times, from the
 * start of the call, when the stream on the same instance received it and when the stream on the other instance
 * did. With the JetStream log (issue 19) both instances deliver from the log, the sender included; before it, the
 * sender delivered at once and published on core NATS for the others, so the same class, run against either build,
 * compares the two paths. HTTP is left out, as it is the same on both sides.
 *
 * <p>Arguments: the output directory (for {@code cluster.csv}), the rounds (default 5,000) and the warm-up rounds
 * (default 1,000). Starts {@code nats-server} itself (from {@code /usr/sbin} or the PATH) on a free port, with a
 * temporary store directory, and stops it.
 */
public final class ClusterLatency {

    /** The library's default {@code sfere.connection.queue-size}. */
    private static final int QUEUE_SIZE = 1_000;

    /** Heartbeats off: a heartbeat comment would reach the sinks as an event. */
    private static final EngineSettings SETTINGS = new EngineSettings(Duration.ZERO, QUEUE_SIZE,
            Engine.DEFAULT_MAX_DELIVERY_THREADS, Long.MAX_VALUE, Duration.ofSeconds(5));


    private ClusterLatency() {
    }

    /** A stream that notes when an event arrives. */
    private static final class TimedSink implements SseEventSink {
        volatile long arrived;
        volatile String last;
        /** Events received, for the throughput phase. */
        final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        /** Woken on every arrival, so the measuring thread can sleep instead of taking a core by spinning. */
        volatile Thread waiter;

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            arrived = System.nanoTime();
            last = OutboundEvents.dataText(event);
            count.incrementAndGet();
            Thread waiting = waiter;
            if (waiting != null) {
                java.util.concurrent.locks.LockSupport.unpark(waiting);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/results");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("sfere-bench-nats");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String binary = Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server" : "nats-server";
        Process nats = new ProcessBuilder(binary, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd",
                dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        Engine a = null;
        Engine b = null;
        try {
            awaitPort(port, nats);
            NatsSettings settings = new NatsSettings("nats://127.0.0.1:" + port, "sfere-bench", Duration.ofSeconds(30),
                    false, 1, -1);
            TimedSink here = new TimedSink();
            TimedSink there = new TimedSink();
            a = engineWith(settings, "here", here);
            b = engineWith(settings, "there", there);

            KeyPattern everyone = KeyPattern.all();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!"probe".equals(there.last)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the second instance never received the first's broadcasts");
                }
                a.deliver(everyone, null, null, new OutboundSseEvent[] {OutboundEvents.text("m", "probe")});
                Thread.sleep(50);
            }

            there.waiter = Thread.currentThread();
            here.waiter = Thread.currentThread();
            long[] same = new long[rounds];
            long[] cross = new long[rounds];
            for (int i = -warmup; i < rounds; i++) {
                OutboundSseEvent[] events = {OutboundEvents.text("message", Integer.toString(i))};
                String expected = Integer.toString(i);
                long start = System.nanoTime();
                a.deliver(everyone, null, null, events);
                long spinUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                // Both: with the log, the sender's own stream gets the event a round trip later, not during the call.
                while (!expected.equals(there.last) || !expected.equals(here.last)) {
                    if (System.nanoTime() > spinUntil) {
                        throw new IllegalStateException("round " + i + " never crossed");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(there, TimeUnit.MILLISECONDS.toNanos(10));
                }
                if (i >= 0) {
                    same[i] = here.arrived - start;
                    cross[i] = there.arrived - start;
                }
            }
            report(out, same, cross);
            throughput(out, a, there, Math.max(rounds * 4, 1_000));
        } finally {
            if (a != null) {
                a.shutdown();
            }
            if (b != null) {
                b.shutdown();
            }
            nats.destroyForcibly().waitFor();
        }
    }

    /** One instance: an engine on a store of its own, in the cluster, with one stream, open. */
    /**
     * Events per second from one instance to the other: the first sends back to back, at most half a queue ahead of
     * what the second has received, until the second holds them all.
     */
    private static void throughput(Path out, Engine from, TimedSink there, int events) throws IOException {
        long before = there.count.get();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < events; i++) {
            while (i - (there.count.get() - before) > QUEUE_SIZE / 2) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the throughput phase stalled at event " + i);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
            from.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[] {OutboundEvents.text("t", "x")});
        }
        while (there.count.get() - before < events) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the other instance got " + (there.count.get() - before) + " of "
                        + events);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        double perSecond = events / ((System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "cluster: %,d events from one instance to the other: %,.0f events/s%n", events,
                perSecond);
        Files.writeString(out.resolve("cluster-throughput.csv"), String.format(Locale.ROOT,
                "events,events_per_s%n%d,%.0f%n", events, perSecond));
    }

    private static Engine engineWith(NatsSettings settings, String id, SseEventSink sink) {
        Engine engine = new Engine(Stores.memory(), SETTINGS, NoListener.INSTANCE,
                (store, local) -> NatsCluster.start(settings, store, local, Object::toString));
        // As the library does once the resource method returns: other threads' events now go out.
        engine.opened(engine.register(ConnectionKey.of("default", "lobby", id), sink));
        return engine;
    }

    private static void report(Path out, long[] same, long[] cross) throws IOException {
        long[] added = new long[same.length];
        for (int i = 0; i < same.length; i++) {
            added[i] = cross[i] - same[i];
        }
        Arrays.sort(same);
        Arrays.sort(cross);
        Arrays.sort(added);
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("cluster.csv")))) {
            csv.println("delivery,rounds,p50_us,p99_us,p999_us,max_us");
            for (Object[] row : new Object[][] {{"same-instance", same}, {"cross-instance", cross},
                    {"added-by-nats", added}}) {
                long[] sorted = (long[]) row[1];
                csv.printf(Locale.ROOT, "%s,%d,%.1f,%.1f,%.1f,%.1f%n", row[0], sorted.length,
                        micros(sorted, 0.50), micros(sorted, 0.99), micros(sorted, 0.999),
                        sorted[sorted.length - 1] / 1e3);
                System.out.printf(Locale.ROOT, "cluster: %-15s p50 %8.1f us  p99 %8.1f us  p99.9 %8.1f us%n", row[0],
                        micros(sorted, 0.50), micros(sorted, 0.99), micros(sorted, 0.999));
            }
        }
    }

    private static double micros(long[] sorted, double quantile) {
        int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e3;
    }

    private static void awaitPort(int port, Process nats) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!nats.isAlive()) {
                    throw new IOException("nats-server exited with " + nats.exitValue());
                }
                Thread.sleep(20);
            }
        }
        throw new IOException("nats-server did not start on port " + port);
    }
}
