package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/** The lobby on Payara Micro (Jersey). */
class PayaraLobbyE2E extends LobbyE2E {

    /**
     * Names Payara's HTTP layer (Grizzly) refuses itself, with a bare 400 (no body, no content type) before JAX-RS
     * sees them (seen on 6.2025.10): a 10,000-character request line, an encoded NUL or backslash, malformed UTF-8.
     */
    private static final Set<String> CONTAINER_ANSWERS = Set.of("10,000 characters", "NUL", "encoded backslash",
            "bad UTF-8");

    @Override
    LaunchedServer startServer() throws IOException {
        // The example's own preboot commands bound the socket send buffer and the write time-out (see the file): the
        // stalled clients' test runs with what the example ships.
        return Runtimes.payaraMicro("lobby", SERVER_ENVIRONMENT, List.of());
    }

    /** Yes: Payara Micro has Jakarta Concurrency built in, with its default managed scheduled executor. */
    @Override
    boolean hasManagedScheduledExecutor() {
        return true;
    }

    @Override
    boolean containerAnswers(String label) {
        return CONTAINER_ANSWERS.contains(label);
    }
}
