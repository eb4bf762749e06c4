package dev.sfere.example.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
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
        copyTree(source, target, SERVER_STATE);
        return runLiberty(copy, name, "liberty-" + copy + "-console.log", environment);
    }

    /** Copies a folder's files, leaving out the top-level entries named in {@code skip}. */
    private static void copyTree(Path source, Path target, Set<String> skip) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = source.relativize(file);
                if (relative.getNameCount() > 0 && skip.contains(relative.getName(0).toString())) {
                    continue;
                }
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target.resolve(relative.toString()));
                } else {
                    Files.copy(file, target.resolve(relative.toString()));
                }
            }
        }
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
     * WildFly from the distribution the e2e profile unpacked, with its MicroProfile configuration
     * ({@code standalone-microprofile.xml}), the example's Undertow settings over it ({@code src/main/wildfly/undertow.yml}:
     * a write time-out and a fixed socket send buffer) and the WAR as {@code ROOT.war}, so at the context root
     * {@code /}. Each run has a server folder of its own ({@code jboss.server.base.dir}: the distribution's configuration, the
     * deployment, and its own data, logs and work area) and free loopback ports for HTTP, HTTPS and management.
     * MicroProfile Health is served on the management port, which the server's {@link LaunchedServer#healthBase()}
     * names.
     *
     * @param suite       what the console log and the server folder are named after ({@code wildfly-<suite>}), so
     *                    that each test class's server keeps its own
     * @param environment variables added to the server's environment, such as MicroProfile Config overrides
     */
    static LaunchedServer wildFly(String suite, Map<String, String> environment) throws IOException {
        Path log = E2eSettings.out().resolve("wildfly-" + suite + "-console.log");
        for (int attempt = 1; ; attempt++) {
            try {
                return startWildFly(suite, environment, log);
            } catch (IllegalStateException e) {
                // A port picked free can be taken by another process (on a shared machine, say) in the seconds before
                // WildFly binds it, and WildFly then stops; so once or twice more, with other ports.
                if (attempt == 3 || !Files.exists(log) || !Files.readString(log).contains("BindException")) {
                    throw e;
                }
                E2eSettings.record("WildFly: a port picked free was taken before it bound; starting again");
            }
        }
    }

    private static LaunchedServer startWildFly(String suite, Map<String, String> environment, Path log)
            throws IOException {
        Path home = E2eSettings.path("e2e.wildflyHome");
        Path base = E2eSettings.out().resolve("wildfly-" + suite);
        deleteTree(base);
        copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"), Set.of());
        Files.copy(E2eSettings.path("e2e.war"), Files.createDirectories(base.resolve("deployments"))
                .resolve("ROOT.war"));
        int port = E2eSettings.freePort();
        int management = E2eSettings.freePort();
        // standalone.sh runs the JVM it finds in JAVA_HOME: the one running the tests, as for the other runtimes.
        Map<String, String> variables = new HashMap<>(environment);
        variables.put("JAVA_HOME", System.getProperty("java.home"));
        LaunchedServer server = LaunchedServer.start("WildFly", port, List.of("sh",
                        home.resolve("bin/standalone.sh").toString(),
                        "-Djboss.server.base.dir=" + base,
                        "-c", "standalone-microprofile.xml",
                        "--yaml=" + E2eSettings.path("e2e.wildflyYaml"),
                        "-b", "127.0.0.1",
                        "-bmanagement", "127.0.0.1",
                        "-Djboss.http.port=" + port,
                        "-Djboss.https.port=" + E2eSettings.freePort(),
                        "-Djboss.management.http.port=" + management,
                        "-Djboss.management.https.port=" + E2eSettings.freePort()),
                log, variables);
        return server.withHealthBase(URI.create("http://127.0.0.1:" + management + "/"));
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
