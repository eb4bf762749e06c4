package dev.sfere.example.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How each runtime is started for the tests: the WAR (or, on Quarkus, the application example-quarkus builds) on a free
 * loopback port, context root {@code /}.
 */
final class Runtimes {

    /** What a Liberty server writes while it runs, left out of a copy. */
    private static final Set<String> SERVER_STATE = Set.of("workarea", "logs");

    private Runtimes() {
    }

    /**
     * Open Liberty, from the server the e2e profile prepared (features installed, WAR deployed), in the foreground
     * ({@code server run}) so that the test holds the process.
     *
     * @param suite       what the console log is named after ({@code liberty-<suite>-console.log}), so that each
     *                    test class's server keeps its own
     * @param environment variables added to the server's environment, such as MicroProfile Config overrides
     */
    static LaunchedServer openLiberty(String suite, Map<String, String> environment) throws IOException {
        return runLiberty(preparedLibertyServer(), "Open Liberty", "liberty-" + suite + "-console.log", environment);
    }

    /**
     * Another Open Liberty server from the same installation, so that several can run at once: the prepared
     * server's folder copied under a new name (a fresh copy each time, without logs and work area), each copy with
     * its own port, work area and logs.
     *
     * @param copy        the new server's name, also its folder under {@code usr/servers}
     * @param name        what the timings and messages call it
     * @param environment variables added to the server's environment, such as MicroProfile Config overrides
     */
    static LaunchedServer openLibertyCopy(String copy, String name, Map<String, String> environment)
            throws IOException {
        Path servers = E2eSettings.path("e2e.libertyHome").resolve("usr/servers");
        Path source = servers.resolve(preparedLibertyServer());
        Path target = servers.resolve(copy);
        deleteTree(target);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = source.relativize(file);
                if (relative.getNameCount() > 0 && SERVER_STATE.contains(relative.getName(0).toString())) {
                    continue;
                }
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target.resolve(relative.toString()));
                } else {
                    Files.copy(file, target.resolve(relative.toString()));
                }
            }
        }
        return runLiberty(copy, name, "liberty-" + copy + "-console.log", environment);
    }

    private static String preparedLibertyServer() {
        return System.getProperty("e2e.libertyServer", "sfereE2E");
    }

    private static LaunchedServer runLiberty(String server, String name, String log, Map<String, String> environment)
            throws IOException {
        Path home = E2eSettings.path("e2e.libertyHome");
        int port = E2eSettings.freePort();
        Path overrides = Files.createDirectories(home.resolve("usr/servers").resolve(server)
                .resolve("configDropins/overrides"));
        Files.writeString(overrides.resolve("e2e-port.xml"),
                "<server>\n    <variable name=\"http.port\" value=\"" + port + "\"/>\n</server>\n");
        return LaunchedServer.start(name, port,
                List.of(home.resolve("bin/server").toString(), "run", server),
                E2eSettings.out().resolve(log), environment);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }

    /**
     * Payara Micro with the WAR, without clustering, the HTTP listener bound to loopback.
     *
     * @param suite       what the console log is named after ({@code payara-<suite>-console.log}), so that each
     *                    test class's server keeps its own
     * @param environment variables added to the server's environment, such as MicroProfile Config overrides
     * @param preboot     asadmin commands run before boot, after the example's own (which bind it to loopback)
     */
    static LaunchedServer payaraMicro(String suite, Map<String, String> environment, List<String> preboot)
            throws IOException {
        int port = E2eSettings.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path commands = E2eSettings.out().resolve("payara-preboot.asadmin");
        Files.writeString(commands, Files.readString(E2eSettings.path("e2e.payaraPreboot")).stripTrailing() + "\n"
                + String.join("\n", preboot) + "\n");
        return LaunchedServer.start("Payara Micro", port, List.of(java, "-jar",
                        E2eSettings.path("e2e.payaraJar").toString(),
                        "--deploy", E2eSettings.path("e2e.war").toString(),
                        "--contextroot", "/",
                        "--port", String.valueOf(port),
                        "--nohazelcast",
                        "--disablephonehome",
                        "--prebootcommandfile", commands.toString()),
                E2eSettings.out().resolve("payara-" + suite + "-console.log"), environment);
    }

    /**
     * The lobby on Quarkus (example-quarkus, built with the test-only resources), bound to loopback.
     *
     * @param suite       what the console log is named after ({@code quarkus-<suite>-console.log})
     * @param environment variables added to the server's environment, such as MicroProfile Config overrides
     */
    static LaunchedServer quarkus(String suite, Map<String, String> environment) throws IOException {
        int port = E2eSettings.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return LaunchedServer.start("Quarkus", port, List.of(java,
                        "-Dquarkus.http.host=127.0.0.1",
                        "-Dquarkus.http.port=" + port,
                        "-jar", E2eSettings.path("e2e.quarkusJar").toString()),
                E2eSettings.out().resolve("quarkus-" + suite + "-console.log"), environment);
    }
}
