package dev.sfere.bench.fanout;

import dev.sfere.Broadcaster;
import dev.sfere.KeyPattern;

import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One side of the capacity benchmark in a JVM of its own ({@link Capacity}): Weld, Jersey on Grizzly and the Sfere
 * extension as {@link FanOut}'s server, whose streams are either Sfere's ({@code sfere}, or {@code sfere-header}
 * whose method declares the {@code Last-Event-ID} header: {@link CapacityResource}) or sinks in a map ({@code bare},
 * {@link BareSinks}). Answers one command a line on standard input:
 * <ul>
 *   <li>{@code count}: {@code count N}, the streams the side holds;</li>
 *   <li>{@code fill N} (Sfere's sides): N broadcasts before any stream opens, so that the library's history of recent
 *       events is at its bound (4 MiB by default) and stays so, instead of growing from step to step;</li>
 *   <li>{@code send}: one broadcast of {@link FanOut#WIRE}'s event; answers {@code sent T}, the
 *       {@link System#nanoTime()} just before the call (the same clock in every process of the machine);</li>
 *   <li>{@code memory FILE}: the class histogram of live objects (a full collection) into FILE; answers
 *       {@code memory LIVE RSS THREADS}: bytes of live objects, the resident set and the live threads;</li>
 *   <li>{@code jfr start FILE}, {@code jfr stop}: a flight recording with the JDK's {@code profile} settings;
 *       answers {@code jfr}.</li>
 * </ul>
 * First it prints {@code ready PORT}; the end of its input ends it. Arguments: the side, and minutes before a
 * watchdog ends it.
 */
public final class CapacityServer {

    private CapacityServer() {
    }

    public static void main(String[] args) throws Exception {
        String side = args[0];
        if (!side.equals("sfere") && !side.equals("sfere-header") && !side.equals("bare")) {
            throw new IllegalArgumentException("side must be sfere, sfere-header or bare, not " + side);
        }
        ChildJvm.watchdog("capacity-" + side, Long.parseLong(args[1]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
        // Heartbeats off: the clients would count them as events. Streams neither expire nor overflow the store
        // during a run, and the history keeps what it holds by size alone.
        Map<String, String> config = Map.of(
                "sfere.heartbeat.interval", "PT0S",
                "sfere.store.maximum-size", "1000000",
                "sfere.store.duration", "PT24H",
                "sfere.resume.window", "PT24H");
        try (JerseyServer server = new JerseyServer(config)) {
            Broadcaster broadcaster = server.broadcaster();
            BareSinks bare = server.bareSinks();
            boolean sfere = !side.equals("bare");
            out.println("ready " + server.address().getPort());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "count" -> out.println("count " + (sfere
                            ? server.connections().count(KeyPattern.all()) : bare.size()));
                    case "fill" -> {
                        for (int i = Integer.parseInt(words[1]); i > 0; i--) {
                            broadcaster.broadcast(KeyPattern.all(), broadcaster.event(FanOut.NAME, FanOut.DATA));
                        }
                        out.println("filled");
                    }
                    case "send" -> {
                        long start = System.nanoTime();
                        if (sfere) {
                            broadcaster.broadcast(KeyPattern.all(), broadcaster.event(FanOut.NAME, FanOut.DATA));
                        } else {
                            bare.broadcast(FanOut.NAME, FanOut.DATA);
                        }
                        out.println("sent " + start);
                    }
                    case "memory" -> {
                        String histogram = histogram();
                        Files.writeString(Path.of(words[1]), histogram);
                        out.println("memory " + total(histogram) + " " + resident() + " "
                                + ManagementFactory.getThreadMXBean().getThreadCount());
                    }
                    case "jfr" -> {
                        if (words[1].equals("start")) {
                            diagnostic("jfrStart", new String[] {"name=capacity", "settings=profile",
                                "filename=" + words[2]});
                        } else {
                            diagnostic("jfrStop", new String[] {"name=capacity"});
                        }
                        out.println("jfr");
                    }
                    default -> throw new IllegalArgumentException("unknown command " + line);
                }
            }
        }
        System.exit(0);
    }

    /** {@code GC.class_histogram}, which collects first, so it counts live objects only. */
    private static String histogram() throws Exception {
        return diagnostic("gcClassHistogram", new String[0]);
    }

    /** A diagnostic command, as {@code jcmd} would run it, from inside. */
    private static String diagnostic(String operation, String[] arguments) throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
    }

    /** The histogram's last line: {@code Total  INSTANCES  BYTES}. */
    private static long total(String histogram) {
        String[] lines = histogram.strip().split("\n");
        String[] words = lines[lines.length - 1].trim().split("\\s+");
        if (!words[0].equals("Total")) {
            throw new IllegalStateException("no total in the class histogram: " + lines[lines.length - 1]);
        }
        return Long.parseLong(words[2]);
    }

    /** The resident set from {@code /proc/self/status}, in bytes; -1 where there is none. */
    private static long resident() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }
}
