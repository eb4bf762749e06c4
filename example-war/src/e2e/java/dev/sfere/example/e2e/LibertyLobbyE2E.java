package dev.sfere.example.e2e;

import java.io.IOException;

/** The lobby on Open Liberty (RESTEasy). */
class LibertyLobbyE2E extends LobbyE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.openLiberty();
    }
}
