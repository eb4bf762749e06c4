package dev.sfere.example.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server process the tests started: the lobby on a loopback port. Stopping it sends SIGTERM, what Ctrl+C or a
 * container stop sends, and waits for the process to end; a JVM shutdown hook kills it if the tests are cut short.
 */
final class LaunchedServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final URI base;
    private final Process process;
    private final Path log;
    private final Thread killer;
    private URI healthBase;
    private Duration stopTime;

    private LaunchedServer(String name, URI base, Process process, Path log) {
        this.name = name;
        this.base = base;
        this.process = process;
        this.log = log;
        this.healthBase = base;
        this.killer = new Thread(this::kill, "e2e-kill-" + name);
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * Starts a command and waits until the lobby page answers on the port.
     *
     * @throws IllegalStateException if the page does not answer in time or the process ends; the log names why
     */
    static LaunchedServer start(String name, int port, List<String> command, Path log) throws IOException {
        return start(name, port, command, log, Map.of());
    }

    /** As {@link #start(String, int, List, Path)}, with environment variables added to the server's. */
    static LaunchedServer start(String name, int port, List<String> command, Path log,
                                Map<String, String> environment) throws IOException {
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        LaunchedServer server = new LaunchedServer(name, base, process, log);
        try {
            server.awaitPage(started);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        E2eSettings.record(String.format("%s: started in %.1f s (page answering on port %d)", name,
                (System.nanoTime() - started) / 1e9, port));
        return server;
    }

    private void awaitPage(long started) {
        // HTTP/1.1: the default would try an h2c upgrade, and Open Liberty keeps a thread waiting on that
        // connection, which then holds up its shutdown for the whole 30 s quiesce.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(base).timeout(Duration.ofSeconds(5)).build();
        long deadline = started + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " ended with " + process.exitValue() + " before serving; see "
                        + log);
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            sleep(250);
        }
        throw new IllegalStateException(name + " did not serve " + base + " within " + START_TIMEOUT + "; see " + log);
    }

    String name() {
        return name;
    }

    URI base() {
        return base;
    }

    /** Where the MicroProfile Health paths ({@code health/ready}, ...) are: the base URL unless a runtime says. */
    URI healthBase() {
        return healthBase;
    }

    /** Says the health paths are under another base URL, such as a management port's. */
    LaunchedServer withHealthBase(URI base) {
        this.healthBase = base;
        return this;
    }

    boolean isRunning() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /**
     * The names of the server JVM's live threads, from {@code jcmd <pid> Thread.print} of the JDK running the tests.
     *
     * @throws IllegalStateException if no JVM is found among the process and its descendants, or jcmd fails
     */
    List<String> threadNames() throws IOException, InterruptedException {
        return ThreadDump.parse(threadDump()).threads().stream().map(ThreadDump.Entry::name).toList();
    }

    /**
     * The server JVM's threads and their stacks, as {@code jcmd <pid> Thread.print} of the JDK running the tests
     * prints them.
     *
     * @throws IllegalStateException if no JVM is found among the process and its descendants, or jcmd fails
     */
    String threadDump() throws IOException, InterruptedException {
        ProcessHandle jvm = jvm();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process dump = new ProcessBuilder(jcmd, String.valueOf(jvm.pid()), "Thread.print")
                .redirectErrorStream(true).start();
        String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!dump.waitFor(60, TimeUnit.SECONDS) || dump.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + jvm.pid() + " Thread.print failed: " + text);
        }
        return text;
    }

    /**
     * How many file descriptors the server JVM has open, from {@code /proc/<pid>/fd} (Linux).
     *
     * @throws IllegalStateException if no JVM is found among the process and its descendants
     */
    long descriptors() throws IOException {
        try (Stream<Path> open = Files.list(Path.of("/proc", String.valueOf(jvm().pid()), "fd"))) {
            return open.count();
        }
    }

    private ProcessHandle jvm() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .filter(handle -> handle.info().command().map(command -> command.endsWith("/java")).orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no java process in the tree of " + name));
    }

    /**
     * Sends SIGTERM to the server and everything it started, and waits for them to end.
     *
     * @return how long the server took to end, or null if it had to be killed
     */
    Duration stop() {
        if (stopTime != null || !process.isAlive()) {
            return stopTime;
        }
        long started = System.nanoTime();
        List<ProcessHandle> tree = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        tree.forEach(ProcessHandle::destroy);
        boolean ended = tree.stream().allMatch(handle -> awaitEnd(handle, started + STOP_TIMEOUT.toNanos()));
        if (!ended) {
            kill();
            return null;
        }
        stopTime = Duration.ofNanos(System.nanoTime() - started);
        return stopTime;
    }

    private static boolean awaitEnd(ProcessHandle handle, long deadline) {
        try {
            handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (Exception e) {
            return !handle.isAlive();
        }
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // The JVM is shutting down already; the hook runs.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
