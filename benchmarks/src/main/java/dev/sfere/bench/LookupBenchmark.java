package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
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

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Comparison 1: a pattern lookup ({@code keys(pattern)} and {@code count(pattern)}) through Sfere's indexes against
 * the seed's scan of every key, at 10k, 100k and 1M keys laid out by {@link KeySpace}.
 *
 * <p>{@code impl}: {@code sfere-memory} and {@code sfere-caffeine} are the library's stores; {@code seed-scan}
 * applies the seed's {@code match-key?} to every key of a {@link ConcurrentHashMap} holding the same keys.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class LookupBenchmark {

    @Param({"10000", "100000", "1000000"})
    int size;

    @Param({"exact", "category", "scope", "all"})
    String pattern;

    @Param({"sfere-memory", "sfere-caffeine", "seed-scan"})
    String impl;

    private ConnectionStore store;
    private Map<ConnectionKey, Connection> seedMap;
    private KeyPattern keyPattern;
    private SeedScan.Pattern seedPattern;

    @Setup(Level.Trial)
    public void fill() {
        ConnectionKey[] keys = KeySpace.keys(size);
        Connection[] connections = KeySpace.connections(size);
        keyPattern = KeySpace.pattern(pattern, size);
        seedPattern = SeedScan.of(keyPattern);
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
    }

    @Benchmark
    public List<ConnectionKey> keys() {
        return store != null ? store.keys(keyPattern) : SeedScan.listKeys(seedMap, seedPattern);
    }

    @Benchmark
    public int count() {
        return store != null ? store.count(keyPattern) : SeedScan.count(seedMap, seedPattern);
    }
}
