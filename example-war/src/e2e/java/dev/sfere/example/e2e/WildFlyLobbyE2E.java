package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;

/** The lobby on WildFly (RESTEasy). */
class WildFlyLobbyE2E extends LobbyE2E {

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
}
