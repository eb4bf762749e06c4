package dev.sfere.example.e2e;

import java.io.IOException;

/** Resuming streams on WildFly (RESTEasy). */
class WildFlyResumeE2E extends ResumeE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.wildFly("resume", LobbyE2E.SERVER_ENVIRONMENT);
    }
}
