package dev.sfere.example.e2e;

import java.io.IOException;

/** Resuming streams on Open Liberty (RESTEasy). */
class LibertyResumeE2E extends ResumeE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.openLiberty("resume", LobbyE2E.SERVER_ENVIRONMENT);
    }
}
