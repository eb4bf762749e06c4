package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/** The lobby on WildFly (RESTEasy). */
class WildFlyLobbyE2E extends LobbyE2E {

    /**
     * Names WildFly's web server (Undertow) refuses itself, with an HTML 400 before JAX-RS sees them (seen on
     * 39.0.1.Final): malformed UTF-8.
     */
    private static final Set<String> CONTAINER_ANSWERS = Set.of("bad UTF-8");

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.wildFly("lobby", SERVER_ENVIRONMENT);
    }

    /** RESTEasy's way, as on Open Liberty, which loses empty lines: see {@link LobbyE2E#resteasyDataLines}. */
    @Override
    List<String> expectedDataLines(String text) {
        return resteasyDataLines(text);
    }

    /** Yes: WildFly's EE subsystem binds its default managed scheduled executor and thread factory. */
    @Override
    boolean hasManagedScheduledExecutor() {
        return true;
    }

    @Override
    boolean containerAnswers(String label) {
        return CONTAINER_ANSWERS.contains(label);
    }
}
