package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Collections;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Comparison 2: finding the key of a connection (what purging a closed connection needs) through Sfere's reverse
 * index against the seed's walk over the entries, at 100k keys. Each call asks for the next connection of a
 * shuffled order, so the scan stops on average half way.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class KeyOfBenchmark {

    @Param({"100000"})
    int size;

    @Param({"sfere-memory", "sfere-caffeine", "seed-scan"})
    String impl;

    private ConnectionStore store;
    private Map<ConnectionKey, Connection> seedMap;
    private Connection[] order;
    private int next;

    @Setup(Level.Trial)
    public void fill() {
        ConnectionKey[] keys = KeySpace.keys(size);
        Connection[] connections = KeySpace.connections(size);
        if (impl.equals("seed-scan")) {
            seedMap = new ConcurrentHashMap<>();
            for (int i = 0; i < size; i++) {
                seedMap.put(keys[i], connections[i]);
            }
        } else {
            store = Impl.sfere(impl, size);
            for (int i = 0; i < size; i++) {
                store.store(keys[i], connections[i]);
            }
        }
        List<Connection> shuffled = Arrays.asList(connections.clone());
        Collections.shuffle(shuffled, new Random(42));
        order = shuffled.toArray(new Connection[0]);
    }

    @Benchmark
    public ConnectionKey keyOf() {
        Connection connection = order[next];
        next = next + 1 == order.length ? 0 : next + 1;
        return store != null ? store.keyOf(connection).orElse(null) : SeedScan.keyOf(seedMap, connection);
    }
}
