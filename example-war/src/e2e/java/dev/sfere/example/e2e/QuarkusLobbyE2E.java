package dev.sfere.example.e2e;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

/** The lobby on Quarkus (Quarkus REST), where the library's build compatible extension runs. */
class QuarkusLobbyE2E extends LobbyE2E {

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.quarkus("lobby", SERVER_ENVIRONMENT);
    }

    /**
     * Not one data line per line: Quarkus REST (3.33, its SseUtil) starts a new data line at every CR and every LF,
     * except a CR right after an LF. So CRLF is two breaks (an empty line between, which the client keeps: "a\r\nb"
     * arrives as "a\n\nb"), and LF CR is one. And it writes {@code "data:"} with no space after the colon, so a line
     * of the text that starts with a space loses it: a client drops one space there. Nothing in the text can start
     * a field or an event.
     */
    @Override
    List<String> expectedDataLines(String text) {
        return Stream.of(text.split("\n\r|\r|\n", -1))
                .map(line -> line.startsWith(" ") ? line.substring(1) : line).toList();
    }

    /** Quarkus REST writes the id first, then the event's name. */
    @Override
    List<String> fieldsBesidesData() {
        return List.of("id", "event");
    }

    /** No: Quarkus binds nothing in JNDI, so heartbeats and delivery run on the library's own threads. */
    @Override
    boolean hasManagedScheduledExecutor() {
        return false;
    }
}
