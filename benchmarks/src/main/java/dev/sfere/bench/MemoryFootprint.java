package dev.sfere.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sfere.ConnectionKey;
import dev.sfere.OutboundEvents;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Comparison 5: the bytes a store and its indexes retain per connection, excluding the runtime's sink.
 *
 * <p>Keys and connections are made first and kept alive, all connections sharing one {@link DummySink}. The heap
 * in use is read after full collections before and after storing them, so the difference is what the store adds:
 * its map, its indexes and their entries. What a connection costs besides (the library's {@link Connection}
 * wrapper and the key with its own id string; scope and category strings are shared, as an application's are) is
 * measured the same way, and cross-checked with JOL. A bare {@link ConcurrentHashMap} and a bare Caffeine cache
 * holding the same entries are measured alongside, for scale. Last, one event is sent to every connection: a
 * connection makes its queue of waiting events at its first event and keeps it, and that is measured too.
 *
 * <p>Arguments: the output directory, then the sizes (default 100000 1000000). Run with {@code -XX:+UseSerialGC}
 * so a full collection leaves an exact count.
 */
public final class MemoryFootprint {

    static {
        // JOL cannot read field offsets of records (ConnectionKey is one) through Unsafe; this makes it compute them.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    private MemoryFootprint() {
    }

    /** One measurement. */
    record Row(String impl, int size, double storeBytes, double connectionBytes, double jolStoreBytes,
               double queueBytes) {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/results");
        int[] sizes = args.length > 1
                ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {100_000, 1_000_000};
        Files.createDirectories(out);
        List<Row> rows = new ArrayList<>();
        for (int size : sizes) {
            for (String impl : List.of("sfere-memory", "sfere-caffeine", "bare-chm", "bare-caffeine")) {
                rows.add(measure(impl, size));
            }
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("memory.csv")))) {
            csv.println("impl,connections,store_bytes_per_connection,connection_and_key_bytes,jol_store_bytes,"
                    + "queue_after_first_event_bytes");
            for (Row r : rows) {
                csv.printf(Locale.ROOT, "%s,%d,%.1f,%.1f,%.1f,%.1f%n", r.impl(), r.size(), r.storeBytes(),
                        r.connectionBytes(), r.jolStoreBytes(), r.queueBytes());
            }
        }
        System.out.printf(Locale.ROOT, "%-15s %10s %14s %18s %14s %14s%n", "store", "conns", "store B/conn",
                "conn+key B/conn", "JOL B/conn", "queue B/conn");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-15s %10d %14.1f %18.1f %14.1f %14.1f%n", r.impl(), r.size(),
                    r.storeBytes(), r.connectionBytes(), r.jolStoreBytes(), r.queueBytes());
        }
        System.out.println("JOL instance sizes: ConnectionKey " + VM.current().sizeOf(ConnectionKey.of("a", "b", "c"))
                + " B, Connection " + VM.current().sizeOf(Connection.of(DummySink.INSTANCE, c -> { })) + " B");
    }

    /** Realistic keys: one scope, 100 shared category names, a unique id string per connection. */
    static ConnectionKey[] keys(int size) {
        String[] categories = new String[100];
        for (int i = 0; i < categories.length; i++) {
            categories[i] = "lobby-" + i;
        }
        ConnectionKey[] keys = new ConnectionKey[size];
        for (int i = 0; i < size; i++) {
            keys[i] = ConnectionKey.of("default", categories[i % categories.length], "user-" + i);
        }
        return keys;
    }

    static Row measure(String impl, int size) {
        long empty = usedAfterGc();
        ConnectionKey[] keys = keys(size);
        Connection[] connections = KeySpace.connections(size);
        long made = usedAfterGc();
        // The two arrays hold one reference each per connection; they are the benchmark's, not a connection's.
        long arrays = 2L * (16 + (long) size * VM.current().addressSize());
        boolean crossCheck = impl.equals("sfere-memory") || impl.equals("bare-chm");
        // Walked before storing: a stored connection reaches the store through the record the store keeps on it.
        long parts = crossCheck ? GraphLayout.parseInstance(keys, connections, DummySink.INSTANCE).totalSize() : 0;
        Object holder = fill(impl, keys, connections);
        long stored = usedAfterGc();
        double jol = Double.NaN;
        if (crossCheck) {
            // Everything reachable from the store, minus the keys, connections and the shared sink it reaches.
            long whole = GraphLayout.parseInstance(holder).totalSize();
            jol = (double) (whole - (parts - arrays)) / size;
        }
        // A connection makes its event queue at its first event and keeps it: what that adds, on top.
        OutboundSseEvent event = OutboundEvents.text("message", "x");
        for (Connection connection : connections) {
            connection.send(event);
        }
        long sent = usedAfterGc();
        Reference.reachabilityFence(keys);
        Reference.reachabilityFence(connections);
        Reference.reachabilityFence(holder);
        Reference.reachabilityFence(event);
        return new Row(impl, size, (double) (stored - made) / size, (double) (made - empty - arrays) / size, jol,
                (double) (sent - stored) / size);
    }

    private static Object fill(String impl, ConnectionKey[] keys, Connection[] connections) {
        switch (impl) {
            case "sfere-memory", "sfere-caffeine" -> {
                ConnectionStore store = Impl.sfere(impl, keys.length);
                for (int i = 0; i < keys.length; i++) {
                    store.store(keys[i], connections[i]);
                }
                return store;
            }
            case "bare-chm" -> {
                Map<ConnectionKey, Connection> map = new ConcurrentHashMap<>();
                for (int i = 0; i < keys.length; i++) {
                    map.put(keys[i], connections[i]);
                }
                return map;
            }
            case "bare-caffeine" -> {
                Cache<ConnectionKey, Connection> cache = Caffeine.newBuilder()
                        .maximumSize(Math.max(keys.length * 2L, 10_000))
                        .expireAfterAccess(Duration.ofMinutes(10))
                        .build();
                for (int i = 0; i < keys.length; i++) {
                    cache.put(keys[i], connections[i]);
                }
                cache.cleanUp();
                return cache;
            }
            default -> throw new IllegalArgumentException(impl);
        }
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
