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

    /**
     * The HTTP transport's socket send buffer, fixed at 64 KiB, for the stalled clients' test. With Payara's default
     * (none set, and Linux grows a loopback socket's buffer to 4 MiB) Grizzly queues about 8 MB more of a client that
     * never reads in the heap before a write to it blocks, each 2 KB event taking about 8 KB of heap: a write to one
     * such client blocked after some 6,200 messages of 2 KB (12.8 MB), and with 200 such clients a flood of at most
     * 8,000 messages ran Payara out of its default heap (a quarter of the machine's memory, 6 GB here). With 64 KiB,
     * writes to them block after about 2,200 messages.
     */
    static final String SEND_BUFFER = "set configs.config.server-config.network-config.transports.transport.tcp"
            + ".socket-write-buffer-size=65536";

    @Override
    LaunchedServer startServer() throws IOException {
        return Runtimes.payaraMicro(SERVER_ENVIRONMENT, List.of(SEND_BUFFER));
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
