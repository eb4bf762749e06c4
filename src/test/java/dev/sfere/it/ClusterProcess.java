package dev.sfere.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One JVM running {@link ClusterInstance}, for the cluster tests: launched, called over HTTP, stopped.
 *
 * @param process the JVM
 * @param base    where it serves
 * @param log     its standard error
 */
record ClusterProcess(Process process, URI base, Path log) {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Starts an instance and waits until it serves.
     *
     * @param natsUrl  the NATS server
     * @param maxAge   the directory's max age
     * @param settings further settings, as {@code key=value}
     */
    static ClusterProcess launch(String natsUrl, Duration maxAge, String... settings) throws IOException {
        Path log = Files.createTempFile("sfere-instance", ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The coverage agent, when the build runs one, so the instances' code counts too.
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> argument.startsWith("-javaagent:")).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClusterInstance.class.getName(),
                natsUrl, maxAge.toString()));
        command.addAll(List.of(settings));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("PORT ")) {
                Thread drain = new Thread(() -> drain(out), "instance-stdout");
                drain.setDaemon(true);
                drain.start();
                return new ClusterProcess(process, URI.create("http://127.0.0.1:" + line.substring(5) + "/"), log);
            }
        }
        throw new IOException("the instance ended before serving; its log: " + Files.readString(log));
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe from filling
            }
        } catch (IOException ended) {
            // the instance stopped
        }
    }

    /** Calls the instance and answers the body; fails unless the status is 200. */
    String call(String method, String path) throws Exception {
        HttpResponse<String> response = send(method, path);
        assertThat(response.statusCode()).as("%s %s", method, path).isEqualTo(200);
        return response.body();
    }

    /** Calls the instance and answers the response, whatever its status. */
    HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path))
                        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
