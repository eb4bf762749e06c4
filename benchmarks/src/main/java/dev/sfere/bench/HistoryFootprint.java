package dev.sfere.bench;

import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.openjdk.jol.info.GraphLayout;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Issue 18: the heap a retained event costs in the resume history, against the library's own estimate
 * ({@code History.ENTRY_OVERHEAD}, 160 bytes, plus the data's bytes), and what the default bound
 * ({@code sfere.resume.max-bytes}, 4 MiB) keeps on the heap.
 *
 * <p>An engine over an empty memory store (no stream: each broadcast is stamped and kept, and reaches nobody) is
 * sent events made by {@link OutboundEvents#text}, each with data of its own that nothing else holds, as an
 * application's would be once broadcast. The heap in use is read after full collections before and after; the
 * difference, divided by the events, is what one retained event costs; JOL's walk of the history's objects
 * cross-checks it (the heap readings move by a megabyte or so from one run to the next, which matters at 4 MiB). First with no bound that drops any (a window
 * of an hour, no byte bound), then with the library's defaults, where {@code events} far exceeds what 4 MiB keeps.
 * The entries and estimated bytes kept are read from the engine's history by reflection (they are not public).
 *
 * <p>Arguments: the output directory, then the numbers of events (default 10000 100000). Run with
 * {@code -XX:+UseSerialGC} so a full collection leaves an exact count.
 */
public final class HistoryFootprint {

    static {
        // JOL cannot read field offsets of records (the history's entries are) through Unsafe; this computes them.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    /** The library's estimate of an entry's bytes besides its data (History.ENTRY_OVERHEAD). */
    static final long ENTRY_OVERHEAD = 160;

    private HistoryFootprint() {
    }

    /**
     * One measurement.
     *
     * @param data     {@code 1k} or {@code small}
     * @param bound    {@code none} or {@code default}
     * @param sent     events broadcast
     * @param retained entries the history holds after
     * @param estimate the history's own estimate of its bytes
     * @param heap     the heap the history adds, measured
     * @param walked   the bytes JOL counts in the history's object graph (added ones, or all with the bound)
     */
    record Row(String data, String bound, int sent, long retained, long estimate, long heap, long walked) {
        double heapPerEvent() {
            return retained == 0 ? Double.NaN : (double) heap / retained;
        }

        double walkedPerEvent() {
            return retained == 0 ? Double.NaN : (double) walked / retained;
        }

        double estimatePerEvent() {
            return retained == 0 ? Double.NaN : (double) estimate / retained;
        }
    }

    public static void main(String[] args) throws IOException, ReflectiveOperationException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/results");
        int[] counts = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {10_000, 100_000};
        Files.createDirectories(out);
        List<Row> rows = new ArrayList<>();
        for (String data : List.of("1k", "small")) {
            for (int count : counts) {
                rows.add(measure(data, "none", count));
            }
            rows.add(measure(data, "default", counts[counts.length - 1]));
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("history-memory.csv")))) {
            csv.println("data,bound,sent,retained,estimated_bytes,heap_bytes,jol_bytes,estimate_per_event,"
                    + "heap_per_event,jol_per_event");
            for (Row r : rows) {
                csv.printf(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%.1f,%.1f,%.1f%n", r.data(), r.bound(), r.sent(),
                        r.retained(), r.estimate(), r.heap(), r.walked(), r.estimatePerEvent(), r.heapPerEvent(),
                        r.walkedPerEvent());
            }
        }
        System.out.printf(Locale.ROOT, "%-6s %-8s %8s %9s %12s %12s %12s %9s %9s %9s%n", "data", "bound", "sent",
                "retained", "estimate B", "heap B", "JOL B", "est B/ev", "heap B/ev", "JOL B/ev");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-6s %-8s %8d %9d %12d %12d %12d %9.1f %9.1f %9.1f%n", r.data(),
                    r.bound(), r.sent(), r.retained(), r.estimate(), r.heap(), r.walked(), r.estimatePerEvent(),
                    r.heapPerEvent(), r.walkedPerEvent());
        }
    }

    static Row measure(String data, String bound, int count) throws ReflectiveOperationException {
        EngineSettings settings = bound.equals("none")
                ? new EngineSettings(Duration.ZERO, 1_000, Engine.DEFAULT_MAX_DELIVERY_THREADS, 1_000,
                        Duration.ofSeconds(5), Duration.ofHours(1), Long.MAX_VALUE, Duration.ofSeconds(1))
                : new EngineSettings(Duration.ZERO, 1_000, Engine.DEFAULT_MAX_DELIVERY_THREADS, 1_000,
                        Duration.ofSeconds(5));
        Engine engine = new Engine(Impl.sfere("sfere-memory", 1_000), settings, NoListener.INSTANCE, null);
        engine.start();
        try {
            // One event first: the history's ring and the engine's lazily made parts exist before the first reading.
            engine.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[] {event(data, -1)});
            long before = MemoryFootprint.usedAfterGc();
            long retainedBefore = history(engine, "size");
            long estimateBefore = history(engine, "bytes");
            long walkedBefore = GraphLayout.parseInstance(history(engine)).totalSize();
            for (int i = 0; i < count; i++) {
                engine.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[] {event(data, i)});
            }
            long after = MemoryFootprint.usedAfterGc();
            long retained = history(engine, "size") - retainedBefore;
            long estimate = history(engine, "bytes") - estimateBefore;
            long walked = GraphLayout.parseInstance(history(engine)).totalSize() - walkedBefore;
            if (bound.equals("default")) {
                // Beside the bound, what the whole history holds, not the difference: its first entry is long gone.
                retained += retainedBefore;
                estimate += estimateBefore;
                walked += walkedBefore;
            }
            Reference.reachabilityFence(engine);
            return new Row(data, bound, count, retained, estimate, after - before, walked);
        } finally {
            engine.shutdown();
        }
    }

    /** An event of about 1 KB (1,024 ASCII characters) or of about 20, with data of its own. */
    private static OutboundSseEvent event(String data, int i) {
        String head = "{\"n\":" + i + ",\"text\":\"";
        if (data.equals("small")) {
            return OutboundEvents.text("message", head + "hi\"}");
        }
        StringBuilder text = new StringBuilder(1_024).append(head);
        while (text.length() < 1_022) {
            text.append('x');
        }
        return OutboundEvents.text("message", text.append("\"}").toString());
    }

    /** The history's {@code size()} or {@code bytes()}, as a long. */
    private static long history(Engine engine, String what) throws ReflectiveOperationException {
        Object history = history(engine);
        Method method = history.getClass().getDeclaredMethod(what);
        method.setAccessible(true);
        return ((Number) method.invoke(history)).longValue();
    }

    /** The engine's history (package-private in the library). */
    private static Object history(Engine engine) throws ReflectiveOperationException {
        Field sequencer = Engine.class.getDeclaredField("sequencer");
        sequencer.setAccessible(true);
        Object held = sequencer.get(engine);
        Method history = held.getClass().getDeclaredMethod("history");
        history.setAccessible(true);
        return history.invoke(held);
    }
}
