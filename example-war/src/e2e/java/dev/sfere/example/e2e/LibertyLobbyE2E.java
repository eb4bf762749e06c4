package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/** The lobby on Open Liberty (RESTEasy). */
class LibertyLobbyE2E extends LobbyE2E {

    /**
     * Names Liberty's web container refuses itself with a 400 of its own, before JAX-RS and the lobby's JSON answers
     * see them (seen on 26.0.0.3): an encoded slash, backslash or NUL and malformed UTF-8 get an HTML page; other
     * control characters get {@code {"error_message": "CWWWC0005I: The request URI has invalid or improperly
     * encoded characters ..."}}, JSON but not the contract's {@code {"error": ...}}.
     */
    private static final Set<String> CONTAINER_ANSWERS = Set.of("encoded slash", "encoded backslash", "NUL",
            "bad UTF-8", "SOH", "LF", "CR LF", "DEL");

    /** RESTEasy's way, which loses empty lines: see {@link LobbyE2E#resteasyDataLines}. */
    @Override
    List<String> expectedDataLines(String text) {
        return resteasyDataLines(text);
    }

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.openLiberty("lobby", SERVER_ENVIRONMENT);
    }

    /**
     * No: the example's server.xml has no Jakarta Concurrency feature. {@code concurrent-3.0} does not install with
     * the pinned kernel 26.0.0.3 from Maven Central (its bundle {@code io.openliberty.jakarta.concurrency-3.0} is
     * missing there, at 26.0.0.3 as at 26.0.0.2 and 25.0.0.12), so heartbeats run on the library's own thread.
     * When the feature can be added to server.xml, make this true: the test then expects no {@code sfere-*} thread.
     */
    @Override
    boolean hasManagedScheduledExecutor() {
        return false;
    }

    @Override
    boolean containerAnswers(String label) {
        return CONTAINER_ANSWERS.contains(label);
    }
}
