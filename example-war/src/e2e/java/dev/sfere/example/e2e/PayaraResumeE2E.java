package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;

/** Resuming streams on Payara Micro (Jersey). */
class PayaraResumeE2E extends ResumeE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.payaraMicro("resume", LobbyE2E.SERVER_ENVIRONMENT, List.of());
    }
}
