package dev.sfere.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.spi.RemovalListener;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Comparison 5: the bytes a store and its indexes retain per connection, excluding the runtime's sink.
 *
 * <p>Keys and streams are made first and kept alive, all streams sharing one {@link DummySink}. The streams are
 * the library's own, what {@link Engine#register} returns, from an engine whose store only keeps them in an array
 * ({@link Registrations}), so that the store measured next holds exactly what the library would give it. The heap
 * in use is read after full collections before and after storing them, so the difference is what the store adds:
 * its map, its indexes and their entries. What a connection costs besides (the engine's stream and the key with its
 * own id string; scope and category strings are shared, as an application's are) is measured the same way. JOL
 * cross-checks the store's figure on a second store of the same kind, filled with the same keys and bare handles
 * (see {@link #jolStoreBytes}). A bare {@link ConcurrentHashMap} and a bare Caffeine cache holding the same entries
 * are measured alongside, for scale. Last, the engine delivers one event to every stream: a stream makes its queue of
 * waiting events at its first event and keeps it, and that is measured too.
 *
 * <p>Arguments: the output directory, then the sizes (default 100000 1000000). Run with {@code -XX:+UseSerialGC}
 * so a full collection leaves an exact count.
 */
public final class MemoryFootprint {

    static {
        // JOL cannot read field offsets of records (ConnectionKey is one) through Unsafe; this makes it compute them.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    /** The library's default {@code sfere.connection.queue-size}. */
    private static final int QUEUE_SIZE = 1_000;


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
                "stream+key B/conn", "JOL B/conn", "queue B/conn");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-15s %10d %14.1f %18.1f %14.1f %14.1f%n", r.impl(), r.size(),
                    r.storeBytes(), r.connectionBytes(), r.jolStoreBytes(), r.queueBytes());
        }
        Engine engine = engine(new Registrations(1));
        try {
            ConnectionKey key = ConnectionKey.of("a", "b", "c");
            Connection stream = engine.register(key, DummySink.INSTANCE);
            System.out.println("JOL instance sizes: ConnectionKey " + VM.current().sizeOf(key)
                    + " B, stream from Engine.register (" + stream.getClass().getName() + ") "
                    + VM.current().sizeOf(stream) + " B");
        } finally {
            engine.shutdown();
        }
    }

    /** An engine over the given store, started: its threads exist before the first heap reading. */
    private static Engine engine(Registrations streams) {
        Engine engine = new Engine(streams, new EngineSettings(Duration.ZERO, QUEUE_SIZE,
                Engine.DEFAULT_MAX_DELIVERY_THREADS, streams.connections.length, Duration.ofSeconds(5)), NoListener.INSTANCE, null);
        engine.start();
        return engine;
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
        Registrations streams = new Registrations(size);
        Engine engine = engine(streams);
        try {
            long empty = usedAfterGc();
            ConnectionKey[] keys = keys(size);
            for (ConnectionKey key : keys) {
                // As the library does once the resource method returns: other threads' events now go out.
                engine.opened(engine.register(key, DummySink.INSTANCE));
            }
            Connection[] connections = streams.connections;
            long made = usedAfterGc();
            // The key array is the benchmark's, not a connection's. The array of streams is the engine's store,
            // made before the first reading.
            long arrays = VM.current().sizeOf(keys);
            Object holder = fill(impl, keys, connections);
            long stored = usedAfterGc();
            // A stream makes its event queue at its first event and keeps it: what that adds, on top.
            OutboundSseEvent event = OutboundEvents.text("message", "x");
            long written = DummySink.INSTANCE.sent();
            engine.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[] {event});
            awaitSent(written + size);
            long sent = usedAfterGc();
            boolean crossCheck = impl.equals("sfere-memory") || impl.equals("bare-chm");
            double jol = crossCheck ? jolStoreBytes(impl, keys) : Double.NaN;
            Reference.reachabilityFence(keys);
            Reference.reachabilityFence(connections);
            Reference.reachabilityFence(holder);
            Reference.reachabilityFence(event);
            return new Row(impl, size, (double) (stored - made) / size, (double) (made - empty - arrays) / size, jol,
                    (double) (sent - stored) / size);
        } finally {
            engine.shutdown();
        }
    }

    /**
     * JOL's count of what a store of this kind retains per connection, the cross-check of the heap readings: a
     * second store filled with the same keys and bare {@link Handle}s, walked from the store, minus the keys and
     * handles walked before it was filled (a stored connection reaches the store through the record the store keeps
     * on it). Not the measured store: its streams reach their engine and the engine's threads, and a walk through
     * those (megabytes of the JDK's objects) moves the heap readings. Taken after the readings.
     */
    private static double jolStoreBytes(String impl, ConnectionKey[] keys) {
        int size = keys.length;
        Connection[] handles = new Connection[size];
        // Each key and handle a root of its own, so that no array of the benchmark's is counted.
        Object[] roots = new Object[2 * size];
        for (int i = 0; i < size; i++) {
            handles[i] = new Handle();
            roots[i] = keys[i];
            roots[size + i] = handles[i];
        }
        long parts = GraphLayout.parseInstance(roots).totalSize();
        Object holder = fill(impl, keys, handles);
        long whole = GraphLayout.parseInstance(holder).totalSize();
        return (double) (whole - parts) / size;
    }

    /** Waits for the engine's delivery threads to have written the event to every stream. */
    private static void awaitSent(long total) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (DummySink.INSTANCE.sent() < total) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the event reached " + DummySink.INSTANCE.sent() + " of " + total
                        + " writes");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
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

    /**
     * The engine's store here: it keeps the streams in registration order and no more, so the streams stay free for
     * the store under measurement (the library's stores keep their record on the connection) and a broadcast
     * reaches them all. Registration and delivery only; nothing here removes a stream.
     */
    private static final class Registrations implements ConnectionStore {
        final Connection[] connections;
        /** The keys, which a delivery checks against its selection; the benchmark's own key objects. */
        private final ConnectionKey[] keys;
        private int size;

        Registrations(int capacity) {
            connections = new Connection[capacity];
            keys = new ConnectionKey[capacity];
        }

        @Override
        public synchronized Connection store(ConnectionKey key, Connection connection) {
            keys[size] = key;
            connections[size++] = connection;
            return connection;
        }

        @Override
        public void forEach(KeyPattern pattern, BiConsumer<ConnectionKey, Connection> action) {
            int stored;
            synchronized (this) {
                stored = size;
            }
            // Every key matches the benchmark's pattern.
            for (int i = 0; i < stored; i++) {
                action.accept(keys[i], connections[i]);
            }
        }

        @Override
        public List<ConnectionKey> keys() {
            // Nothing for shutdown to purge: the streams share a sink that holds nothing.
            return List.of();
        }

        @Override
        public boolean purge(Connection connection, EvictionCause cause) {
            return false;
        }

        @Override
        public void addRemovalListener(RemovalListener listener) {
        }

        @Override
        public Optional<Connection> get(ConnectionKey key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean purge(ConnectionKey key, EvictionCause cause) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ConnectionKey> keys(KeyPattern pattern) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int count(KeyPattern pattern) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ConnectionKey> keyOf(Connection connection) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void touch(ConnectionKey key) {
            throw new UnsupportedOperationException();
        }
    }

    /** The heap in use after full collections: the least of four readings. */
    static long usedAfterGc() {
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
