package dev.sfere.bench;

import dev.sfere.bench.fanout.Capacity;
import dev.sfere.bench.fanout.FanOut;
import dev.sfere.bench.fanout.ResumeStorm;
import dev.sfere.bench.fanout.StalledClient;
import dev.sfere.bench.report.Report;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Every benchmark once, tiny and in this JVM, so they cannot rot: JMH without forks, one short iteration, the
 * smallest size; the memory measurement at 10k connections; the fan-out harness with 20 clients and a few
 * broadcasts, the library's metrics on; the stalled-client benchmark with 20 readers, 30 events and one trial each
 * way, then again with 5 stalled clients, a queue of 10 and a small send buffer, so that they stall within 80 events;
 * one resume at a history of 1,000 events, the history's heap at 1,000 events; the capacity benchmark at 10 and 20
 * streams a side (its servers and clients in JVMs of their own, as always); a resume storm of 20 clients in two client
 * JVMs, its trial recorded with JFR; the cluster latency over a real nats-server for 200 rounds (when one is installed); then the tables and charts. It
 * checks that each one runs and delivers (the fan-out harness fails if an event goes missing or differs), never how
 * fast: timings belong in docs/BENCHMARKS.md, not in a build.
 *
 * <p>Argument: the output directory (default {@code target/smoke}).
 */
public final class Smoke {

    private Smoke() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of(args.length > 0 ? args[0] : "target/smoke");
        Files.createDirectories(out);
        long start = System.nanoTime();

        jmh(out, "lookup.csv", options(LookupBenchmark.class).param("size", "10000"));
        jmh(out, "keyof.csv", options(KeyOfBenchmark.class).param("size", "10000"));
        jmh(out, "storeops-t1.csv", options(StoreOpsBenchmark.class).threads(1));
        jmh(out, "storeops-t2.csv", options(StoreOpsBenchmark.class).threads(2));

        MemoryFootprint.main(new String[] {out.toString(), "10000"});

        // With the library's metrics on (issue 20), which fails if the SDK aggregated none; off is every other run's.
        FanOut.run("--clients=20", "--warmup=2", "--rounds=5", "--seconds=0.4",
                "--senders=sfere,jersey,raw", "--metrics=on", "--timeout=3", "--out=" + out);
        StalledClient.run("--readers=20", "--events=30", "--pairs=1", "--warmup-pairs=0", "--write-timeout=PT0.5S",
                "--settle=0", "--timeout=3", "--out=" + out);
        StalledClient.run("--readers=20", "--stalled=5", "--events=80", "--queue=10", "--send-buffer=4096",
                "--pairs=1", "--warmup-pairs=0", "--write-timeout=PT0.5S", "--settle=0", "--timeout=3",
                "--out=" + out);

        jmh(out, "resume.csv", options(ResumeBenchmark.class).param("history", "1000").param("events", "all"));
        HistoryFootprint.main(new String[] {out.toString(), "1000"});
        Capacity.run("--steps=10,20", "--per-process=15", "--rounds=2", "--warmup=1", "--seconds=0.2",
                "--heap=256m", "--fill=100", "--timeout=3", "--out=" + out);
        ResumeStorm.run("--clients=20", "--per-process=15", "--missed=5", "--trials=1", "--warmup=0", "--profile=20",
                "--timeout=3", "--out=" + out);

        if (Files.isExecutable(Path.of("/usr/sbin/nats-server"))) {
            ClusterLatency.main(new String[] {out.toString(), "200", "50"});
        } else {
            System.out.println("smoke: no /usr/sbin/nats-server, so the cluster benchmark is skipped");
        }

        Report.main(new String[] {out.toString()});
        System.out.printf("smoke: every benchmark ran, in %.1f s; results in %s%n",
                (System.nanoTime() - start) / 1e9, out);
        // Jersey and Weld may leave non-daemon threads behind.
        System.exit(0);
    }

    private static ChainedOptionsBuilder options(Class<?> benchmark) {
        return new OptionsBuilder()
                .include(benchmark.getName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100));
    }

    private static void jmh(Path out, String file, ChainedOptionsBuilder options) throws RunnerException {
        Collection<RunResult> results = new Runner(options
                .resultFormat(ResultFormatType.CSV)
                .result(out.resolve(file).toString())
                .build()).run();
        if (results.isEmpty()) {
            throw new IllegalStateException("JMH ran nothing for " + file);
        }
    }
}
