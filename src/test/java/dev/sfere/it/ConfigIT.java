package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.inject.spi.DeploymentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** MicroProfile Config drives the store, the scope and deployment checks. */
class ConfigIT {

    /** A server of each test's own, booted at its first use: the deployment checks boot only Weld. */
    @RegisterExtension
    final TestServer server = TestServer.with().beans(EventLog.class).resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT0S");

    /** The test's clients never reconnect after the eviction, which would muddle the count. */
    @Test
    void maximumSize_one_secondClientEvictsTheFirstWithSize() throws Exception {
        server.config("sfere.store.maximum-size", "1");
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            await("alice welcomed").atMost(Duration.ofSeconds(5)).until(() -> alice.saw("welcome", "alice"));
            // Caffeine decides which of the two to drop (its admission policy may refuse the newcomer), so bob's
            // own welcome is not awaited: exactly one of them must go, as SIZE.
            SseClient bob = SseClient.open(server.base(), "t/lobby/bob/events");
            EventLog log = server.bean(EventLog.class);
            await("a SIZE eviction").atMost(Duration.ofSeconds(5)).until(() -> log.evicted().stream()
                    .anyMatch(e -> e.cause() == EvictionCause.SIZE));
            assertThat(log.evicted()).hasSize(1);
            assertThat(server.bean(ConnectionStore.class).keys()).hasSize(1);
            bob.close();
        }
    }

    @Test
    void storeTypeMemory_keepsEveryConnection() {
        server.config("sfere.store.type", "memory")
                .config("sfere.store.maximum-size", "1");
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events");
             SseClient bob = SseClient.open(server.base(), "t/lobby/bob/events")) {
            alice.await("welcome", "alice");
            bob.await("welcome", "bob");
            assertThat(server.bean(ConnectionStore.class).keys()).hasSize(2);
            assertThat(server.bean(ConnectionStore.class).toString()).startsWith("MemoryStore");
            assertThat(server.bean(EventLog.class).evicted()).isEmpty();
        }
    }

    @Test
    void fixedExpiry_expiresAnActiveClient() {
        server.config("sfere.store.expiry-mode", "fixed")
                .config("sfere.store.duration", "PT1S")
                .config("sfere.heartbeat.interval", "PT0.1S");
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            alice.await("welcome", "alice");
            ConnectionKey key = ConnectionKey.of("default", "lobby", "alice");
            await("alice expired despite heartbeats").atMost(Duration.ofSeconds(10))
                    .until(() -> server.bean(EventLog.class).evicted()
                            .contains(new SfereEvicted(key, EvictionCause.EXPIRED)));
        }
    }

    @Test
    void scopeDefault_isTheScopeOfRegisteredKeys() {
        server.config("sfere.scope.default", "tenant-a");
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            alice.await("welcome", "alice");
            assertThat(server.bean(ConnectionStore.class).keys())
                    .containsExactly(ConnectionKey.of("tenant-a", "lobby", "alice"));
        }
    }

    @Test
    void badDuration_failsDeploymentNamingKeyAndValue() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.store.duration", "ten minutes"),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.store.duration=\"ten minutes\"")
                .hasMessageContaining("ISO-8601");
    }

    @Test
    void badExpiryMode_failsDeploymentListingTheChoices() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.store.expiry-mode", "forever"),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.store.expiry-mode=\"forever\"")
                .hasMessageContaining("sliding or fixed");
    }

    @Test
    void badMaximumSize_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.store.maximum-size", "-5"),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.store.maximum-size=\"-5\"");
    }

    @Test
    void negativeHeartbeat_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.heartbeat.interval", "-PT1S"),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.heartbeat.interval=\"-PT1S\"");
    }

    /** Past about 292 years a duration's nanoseconds overflow, which deployment once reported as "long overflow". */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sfere.heartbeat.interval", "sfere.store.duration"})
    void durationTooLongToCount_failsDeploymentNamingKeyAndValue(String key) {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of(key, "P200000D"), EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining(key + "=\"P200000D\"")
                .hasMessageContaining("at most 106751 days");
    }

    /** Heartbeats renew a quiet live stream about once per interval: a shorter sliding window would expire it. */
    @Test
    void slidingWindowShorterThanTwoHeartbeats_failsDeploymentNamingBoth() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.store.duration", "PT20S",
                "sfere.heartbeat.interval", "PT15S"), EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.store.duration=\"PT20S\"")
                .hasMessageContaining("sfere.heartbeat.interval (PT15S)");
        TestServer.deployOnly(java.util.Map.of("sfere.store.duration", "PT20S", "sfere.heartbeat.interval",
                "PT15S", "sfere.store.expiry-mode", "fixed"), EventLog.class);
        TestServer.deployOnly(java.util.Map.of("sfere.store.duration", "PT30S", "sfere.heartbeat.interval",
                "PT15S"), EventLog.class);
    }

    @Test
    void unknownStoreType_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.store.type", "redis"),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.store.type=\"redis\"")
                .hasMessageContaining("memory or caffeine");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "-1", "lots", "1000001", "+1000001",
            "99999999999999999999"})
    void badQueueSize_failsDeploymentNamingKeyAndValue(String value) {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.connection.queue-size", value),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.connection.queue-size=\"" + value + "\"");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "-4", "many", "10001", "2.5"})
    void badDeliveryMaxThreads_failsDeploymentNamingKeyAndValue(String value) {
        assertThatThrownBy(() -> TestServer.deployOnly(java.util.Map.of("sfere.delivery.max-threads", value),
                EventLog.class))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("sfere.delivery.max-threads=\"" + value + "\"")
                .hasMessageContaining("from 1 to 10000");
    }
}
