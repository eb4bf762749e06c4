package dev.sfere.example.e2e;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code nats-server} with JetStream, for the cluster test: client and monitoring ports free on loopback,
 * a temporary store directory. {@link #close()} stops it (SIGTERM, then SIGKILL) and removes the directory; a JVM
 * shutdown hook kills it if the tests are cut short.
 */
final class NatsProcess implements AutoCloseable {

    /** Where Debian's package puts the server; not on a non-root PATH. */
    static final Path BINARY = Path.of(System.getProperty("e2e.natsServer", "/usr/sbin/nats-server"));

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final int port;
    private final int monitorPort;
    private final Path store;
    private final Path log;
    private final Process process;
    private final Thread killer;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private NatsProcess(int port, int monitorPort, Path store, Path log, Process process) {
        this.port = port;
        this.monitorPort = monitorPort;
        this.store = store;
        this.log = log;
        this.process = process;
        this.killer = new Thread(process::destroyForcibly, "e2e-kill-nats");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts the server and waits until it accepts connections. */
    static NatsProcess start() throws IOException {
        int port = E2eSettings.freePort();
        int monitorPort = E2eSettings.freePort();
        Path store = Files.createTempDirectory("e2e-nats-");
        Path log = E2eSettings.out().resolve("nats-server.log");
        // -a binds both the client and the monitoring port to loopback.
        Process process = new ProcessBuilder(BINARY.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port),
                "-m", String.valueOf(monitorPort), "-js", "-sd", store.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        NatsProcess nats = new NatsProcess(port, monitorPort, store, log, process);
        try {
            nats.awaitListening();
        } catch (IOException | RuntimeException e) {
            nats.close();
            throw e;
        }
        return nats;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("nats-server ended with " + process.exitValue() + "; see " + log);
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new IOException("nats-server did not accept connections on port " + port + " within "
                + START_TIMEOUT + "; see " + log);
    }

    /** The address the instances connect to. */
    String url() {
        return "nats://127.0.0.1:" + port;
    }

    Path log() {
        return log;
    }

    /** The names of the connected clients, from the server's monitoring endpoint {@code /connz}. */
    List<String> clientNames() throws IOException, InterruptedException {
        JsonObject connz = monitor("/connz");
        List<String> names = new ArrayList<>();
        for (JsonValue connection : connz.getJsonArray("connections")) {
            names.add(connection.asJsonObject().getString("name", ""));
        }
        return names;
    }

    /** The configuration of each JetStream stream (a KV bucket is stream {@code KV_<bucket>}), by stream name. */
    Map<String, JsonObject> streamConfigs() throws IOException, InterruptedException {
        JsonObject jsz = monitor("/jsz?accounts=true&streams=true&config=true");
        Map<String, JsonObject> configs = new TreeMap<>();
        for (JsonValue account : jsz.getJsonArray("account_details") == null ? List.<JsonValue>of()
                : jsz.getJsonArray("account_details")) {
            JsonArray streams = account.asJsonObject().getJsonArray("stream_detail");
            for (JsonValue stream : streams == null ? List.<JsonValue>of() : streams) {
                JsonObject config = stream.asJsonObject().getJsonObject("config");
                configs.put(stream.asJsonObject().getString("name"), config);
            }
        }
        return configs;
    }

    private JsonObject monitor(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + path))
                .timeout(Duration.ofSeconds(5)).build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        return Json.createReader(new StringReader(body)).readObject();
    }

    /**
     * Waits until at least {@code count} clients are connected.
     *
     * @return the names of the connected clients at the last look
     */
    List<String> awaitClients(int count, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> names = clientNames();
        while (names.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(100);
            names = clientNames();
        }
        return names;
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // The JVM is shutting down already; the hook runs.
        }
        try (Stream<Path> files = Files.walk(store)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
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
