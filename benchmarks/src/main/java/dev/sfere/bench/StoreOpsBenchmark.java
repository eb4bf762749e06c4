package dev.sfere.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Comparison 3: one cycle of store, get and purge of a key, on Sfere's stores and on a bare map doing the same
 * work, with 1 and 2 threads ({@code -t 1}, {@code -t 2}).
 *
 * <p>{@code sfere-memory} and {@code sfere-caffeine} have answered a lookup in each key position first, so they keep
 * all three position indexes; the {@code -no-lookups} variants have answered none, so they keep only the map and
 * their record on each connection, as a store does until a pattern with a literal is looked up. The
 * {@code -by-scope}, {@code -by-category} and {@code -by-id} variants of the memory store have answered a lookup in
 * that one position, so they keep that one index: what each position costs on its own.
 *
 * <p>{@code bare-chm-indexed} is what an application would write by hand to answer the same lookups: a
 * {@code ConcurrentHashMap} from key to connection plus, for the category and the id (the positions
 * {@code sfere-memory} keeps indexes for), a map from each part to a concurrent set of its connections, an emptied
 * set taken out. It is not atomic with the main map, which Sfere's indexes are; it shows what two hand-kept
 * indexes cost next to the bare map.
 *
 * <p>The store already holds {@value #RESIDENT} other connections. Keys look like an application's: scope
 * {@code default}, one of 10 categories, a unique id; each thread cycles through keys of its own. The bare
 * Caffeine cache is configured as the seed's Caffeine store is (maximum size, expire after access, 10 minutes);
 * Sfere's Caffeine store uses its defaults with the same maximum size. Its get reads quietly, as Sfere's does: a
 * read that neither records an access nor renews the expiry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class StoreOpsBenchmark {

    static final int RESIDENT = 10_000;
    static final int PER_THREAD = 1_024;
    static final int MAXIMUM_SIZE = 100_000;
    static final int CYCLES = 64;

    @Param({"sfere-memory", "sfere-memory-no-lookups", "sfere-memory-by-scope", "sfere-memory-by-category",
            "sfere-memory-by-id", "bare-chm", "bare-chm-indexed", "sfere-caffeine", "sfere-caffeine-no-lookups", "bare-caffeine"})
    String impl;

    ConnectionStore store;
    ConcurrentMap<ConnectionKey, Connection> map;
    HandIndexed handIndexed;
    Cache<ConnectionKey, Connection> cache;
    final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void fill() {
        switch (impl) {
            case "sfere-memory", "sfere-caffeine" -> store = Impl.sfere(impl, MAXIMUM_SIZE / 2);
            case "sfere-memory-no-lookups", "sfere-caffeine-no-lookups" ->
                    store = Impl.unindexed(impl.replace("-no-lookups", ""), MAXIMUM_SIZE / 2);
            case "sfere-memory-by-scope", "sfere-memory-by-category", "sfere-memory-by-id" ->
                    store = Impl.indexOne(Impl.unindexed("sfere-memory", MAXIMUM_SIZE / 2),
                            impl.substring("sfere-memory-by-".length()));
            case "bare-chm" -> map = new ConcurrentHashMap<>();
            case "bare-chm-indexed" -> handIndexed = new HandIndexed();
            case "bare-caffeine" -> cache = Caffeine.newBuilder()
                    .maximumSize(MAXIMUM_SIZE)
                    .expireAfterAccess(Duration.ofMinutes(10))
                    .build();
            default -> throw new IllegalArgumentException(impl);
        }
        for (int i = 0; i < RESIDENT; i++) {
            put(key("resident", i), new Handle());
        }
    }

    static ConnectionKey key(String prefix, int i) {
        return ConnectionKey.of("default", "room-" + (i % 10), prefix + "-" + i);
    }

    void put(ConnectionKey key, Connection connection) {
        if (store != null) {
            store.store(key, connection);
        } else if (map != null) {
            map.put(key, connection);
        } else if (handIndexed != null) {
            handIndexed.put(key, connection);
        } else {
            cache.put(key, connection);
        }
    }

    /** The keys and connections one thread cycles through. */
    @State(Scope.Thread)
    public static class Worker {
        ConnectionKey[] keys;
        Connection[] connections;
        int next;

        @Setup(Level.Trial)
        public void prepare(StoreOpsBenchmark bench) {
            int thread = bench.threads.getAndIncrement();
            keys = new ConnectionKey[PER_THREAD];
            connections = new Connection[PER_THREAD];
            for (int i = 0; i < PER_THREAD; i++) {
                keys[i] = key("t" + thread, i);
                connections[i] = new Handle();
            }
        }
    }

    /**
     * {@value #CYCLES} cycles per invocation, so that each of JMH's samples times a run of cycles. Timed one cycle at
     * a time, every sample also held about 40 ns of the two {@code System.nanoTime()} calls around it, a third of a
     * bare map's cycle, which pulled every ratio towards 1; and the median of single cycles never showed the work a
     * store does once every so many operations (Caffeine's maintenance, a map's resize), which a cycle in a run of
     * cycles pays its share of.
     */
    @Benchmark
    @OperationsPerInvocation(CYCLES)
    public void storeGetPurge(Worker worker, Blackhole blackhole) {
        for (int c = 0; c < CYCLES; c++) {
            blackhole.consume(cycle(worker));
        }
    }

    private Object cycle(Worker worker) {
        int i = worker.next;
        worker.next = (i + 1) & (PER_THREAD - 1);
        ConnectionKey key = worker.keys[i];
        Connection connection = worker.connections[i];
        Object got;
        if (store != null) {
            store.store(key, connection);
            got = store.get(key).orElse(null);
            store.purge(key);
        } else if (map != null) {
            map.put(key, connection);
            got = map.get(key);
            map.remove(key);
        } else if (handIndexed != null) {
            handIndexed.put(key, connection);
            got = handIndexed.map.get(key);
            handIndexed.remove(key);
        } else {
            cache.put(key, connection);
            // Sfere's get does not count as an access (CaffeineStore.peek: Policy.getIfPresentQuietly); a counted
            // getIfPresent also records the read and renews the entry's access time, more work than Sfere's side.
            got = cache.policy().getIfPresentQuietly(key);
            cache.invalidate(key);
        }
        return got;
    }

    /** A map with category and id indexes kept by hand, a concurrent set per part, as an application would. */
    static final class HandIndexed {
        final ConcurrentMap<ConnectionKey, Connection> map = new ConcurrentHashMap<>();
        final ConcurrentMap<String, Set<Connection>> byCategory = new ConcurrentHashMap<>();
        final ConcurrentMap<String, Set<Connection>> byId = new ConcurrentHashMap<>();

        void put(ConnectionKey key, Connection connection) {
            Connection old = map.put(key, connection);
            if (old != null) {
                unindex(key, old);
            }
            index(byCategory, key.category(), connection);
            index(byId, key.id(), connection);
        }

        void remove(ConnectionKey key) {
            Connection old = map.remove(key);
            if (old != null) {
                unindex(key, old);
            }
        }

        private void unindex(ConnectionKey key, Connection connection) {
            unindex(byCategory, key.category(), connection);
            unindex(byId, key.id(), connection);
        }

        /** Adds inside the part's compute, so that a set emptied and dropped meanwhile is not added to. */
        private static void index(ConcurrentMap<String, Set<Connection>> index, String part, Connection connection) {
            index.compute(part, (p, set) -> {
                Set<Connection> members = set != null ? set : ConcurrentHashMap.newKeySet();
                members.add(connection);
                return members;
            });
        }

        private static void unindex(ConcurrentMap<String, Set<Connection>> index, String part,
                                    Connection connection) {
            index.computeIfPresent(part, (p, set) -> {
                set.remove(connection);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
