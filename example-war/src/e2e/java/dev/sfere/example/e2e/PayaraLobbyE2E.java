package dev.sfere.example.e2e;

import java.io.IOException;

/** The lobby on Payara Micro (Jersey). */
class PayaraLobbyE2E extends LobbyE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.payaraMicro();
    }
}
