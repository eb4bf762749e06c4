package dev.sfere.it;

import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code nats-server} with JetStream, on a free loopback port and a temporary store directory, for the
 * cluster tests. {@link #stop()} and {@link #start()} keep the port, so clients can reconnect; {@link #close()} stops
 * it for good and removes the directory.
 */
public final class NatsServer implements AutoCloseable {

    private static final String BINARY = System.getProperty("sfere.nats-server",
            Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server" : "nats-server");

    private final int port;
    private final Path store;
    private Process process;

    public NatsServer() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        store = Files.createTempDirectory("sfere-nats");
        start();
    }

    /** Whether a nats-server binary can be found, so that tests can skip with a reason when there is none. */
    public static boolean available() {
        if (BINARY.startsWith("/")) {
            return Files.isExecutable(Path.of(BINARY));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, BINARY))) {
                return true;
            }
        }
        return false;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** Starts the server and waits until it accepts connections. */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js",
                "-sd", store.toString())
                .redirectErrorStream(true)
                .redirectOutput(store.resolve("server.log").toFile())
                .start();
        Process started = process;
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !started.isAlive() || accepts());
        } catch (ConditionTimeoutException e) {
            throw new IOException("nats-server did not accept connections on " + port + " within 10 s", e);
        }
        if (!started.isAlive()) {
            throw new IOException("nats-server exited with " + started.exitValue() + "; see "
                    + store.resolve("server.log"));
        }
    }

    private boolean accepts() {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Stops the server (SIGKILL, as a crash would), keeping its port and store for {@link #start()}. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        try (Stream<Path> files = Files.walk(store)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
