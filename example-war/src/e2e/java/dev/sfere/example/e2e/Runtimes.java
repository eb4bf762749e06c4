package dev.sfere.example.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** How each runtime is started for the tests: the WAR on a free loopback port, context root {@code /}. */
final class Runtimes {

    private Runtimes() {
    }

    /**
     * Open Liberty, from the server the e2e profile prepared (features installed, WAR deployed), in the foreground
     * ({@code server run}) so that the test holds the process.
     */
    static LaunchedServer openLiberty() throws IOException {
        Path home = E2eSettings.path("e2e.libertyHome");
        String server = System.getProperty("e2e.libertyServer", "sfereE2E");
        int port = E2eSettings.freePort();
        Path overrides = Files.createDirectories(home.resolve("usr/servers").resolve(server)
                .resolve("configDropins/overrides"));
        Files.writeString(overrides.resolve("e2e-port.xml"),
                "<server>\n    <variable name=\"http.port\" value=\"" + port + "\"/>\n</server>\n");
        return LaunchedServer.start("Open Liberty", port,
                List.of(home.resolve("bin/server").toString(), "run", server),
                E2eSettings.out().resolve("liberty-console.log"));
    }

    /** Payara Micro with the WAR, without clustering, the HTTP listener bound to loopback. */
    static LaunchedServer payaraMicro() throws IOException {
        int port = E2eSettings.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return LaunchedServer.start("Payara Micro", port, List.of(java, "-jar",
                        E2eSettings.path("e2e.payaraJar").toString(),
                        "--deploy", E2eSettings.path("e2e.war").toString(),
                        "--contextroot", "/",
                        "--port", String.valueOf(port),
                        "--nohazelcast",
                        "--disablephonehome",
                        "--prebootcommandfile", E2eSettings.path("e2e.payaraPreboot").toString()),
                E2eSettings.out().resolve("payara-console.log"));
    }
}
