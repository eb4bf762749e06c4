package dev.sfere.cluster;

import dev.sfere.Warnings;
import dev.sfere.store.Stores;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads when the NATS server cannot be reached from the start. */
class NatsClusterLogTest {

    @Test
    void unreachableAtStart_warnsOnce_namingTheServerAndWhy() throws Exception {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
        List<LogRecord> warnings;
        try (Warnings recorded = Warnings.of(NatsCluster.class)) {
            Cluster cluster = NatsCluster.start(new NatsSettings("nats://127.0.0.1:" + closedPort, "unreachable",
                    Duration.ofSeconds(3), false, 1, -1), Stores.memory(), (p, k, e, events) -> { },
                    Object::toString);
            Thread.sleep(1500); // a few attempts, half a second apart
            cluster.close();
            warnings = recorded.records();
        }
        assertThat(warnings).as("warnings").hasSize(1);
        String message = warnings.get(0).getMessage();
        // Never reached: "lost" would send the operator looking for an outage instead of a wrong address, port or
        // credentials, and the client's reason ("Connection refused", "Authorization Violation") must be there.
        assertThat(message).contains("cannot reach the NATS server at nats://127.0.0.1:" + closedPort)
                .contains("Connection refused");
    }
}
