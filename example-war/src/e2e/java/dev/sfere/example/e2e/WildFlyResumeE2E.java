package dev.sfere.example.e2e;

import java.io.IOException;
import java.time.Duration;

/** Resuming streams on WildFly (RESTEasy). */
class WildFlyResumeE2E extends ResumeE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.wildFly("resume", LobbyE2E.SERVER_ENVIRONMENT);
    }

    /**
     * The lobby's grace period for a dropped connection (3 s, {@code LobbyDepartures.GRACE}) and a margin, as on
     * Quarkus: RESTEasy on Undertow returns from {@code send} before writing, the library waits for the write, and
     * so a client that went away is noticed at the first write after. A page closed inside a test then leaves its user
     * {@code CLOSED}, and the lobby's {@code left} for them would reach the next test.
     */
    @Override
    Duration departuresSettle() {
        return Duration.ofSeconds(4);
    }
}
