package dev.sfere.cdi;

import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.inject.spi.DeploymentException;
import org.jboss.weld.environment.se.Weld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cluster settings: defaults, bad values, and a clear failure when the NATS client is missing. */
class ClusterConfigTest {

    @Test
    void withoutClusterType_thereIsNoCluster() {
        assertThat(TestConfig.read(Map.of()).nats()).isNull();
        assertThat(TestConfig.read(Map.of("sfere.cluster.type", "none", "sfere.cluster.nats.url", "whatever")).nats())
                .isNull();
    }

    @Test
    void nats_hasSensibleDefaults() {
        var nats = TestConfig.read(Map.of("sfere.cluster.type", "NATS")).nats();
        assertThat(nats.url()).isEqualTo("nats://127.0.0.1:4222");
        assertThat(nats.bucket()).isEqualTo("sfere-directory");
        assertThat(nats.maxAge()).isEqualTo(Duration.ofSeconds(30));
        assertThat(nats.fileStorage()).isFalse();
        assertThat(nats.replicas()).isEqualTo(1);
        assertThat(nats.maxBytes()).isEqualTo(-1);
    }

    @Test
    void nats_readsEverySetting() {
        var nats = TestConfig.read(Map.of("sfere.cluster.type", "nats",
                "sfere.cluster.nats.url", "nats://10.0.0.5:4333",
                "sfere.cluster.nats.bucket", "chat_dir", "sfere.cluster.nats.max-age", "PT1M",
                "sfere.cluster.nats.storage", "file", "sfere.cluster.nats.replicas", "3",
                "sfere.cluster.nats.max-bytes", "1048576")).nats();
        assertThat(nats).isEqualTo(new dev.sfere.cluster.NatsSettings("nats://10.0.0.5:4333", "chat_dir",
                Duration.ofMinutes(1), true, 3, 1_048_576));
    }

    @ParameterizedTest
    @CsvSource({
            "sfere.cluster.type, redis",
            "sfere.cluster.nats.url, http://127.0.0.1:4222",
            "sfere.cluster.nats.url, nats://127.0.0.1:abc",
            "sfere.cluster.nats.url, nats://[::1",
            "sfere.cluster.nats.bucket, my.bucket",
            "sfere.cluster.nats.max-age, PT0.5S",
            "sfere.cluster.nats.max-age, soon",
            "sfere.cluster.nats.storage, disk",
            "sfere.cluster.nats.replicas, 7",
            "sfere.cluster.nats.replicas, 0",
            "sfere.cluster.nats.max-bytes, 0",
            "sfere.cluster.nats.max-bytes, -2",
            "sfere.cluster.nats.max-bytes, lots",
    })
    void badValue_isRefusedNamingKeyAndValue(String key, String value) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of("sfere.cluster.type", "nats"));
        properties.put(key, value);
        assertThatThrownBy(() -> TestConfig.read(properties)).isInstanceOf(DeploymentException.class)
                .hasMessageContaining(key + "=\"" + value + "\"");
    }

    @Test
    void natsWithoutTheClient_failsDeploymentSayingWhatToAdd() {
        SmallRyeConfig config = TestConfig.register(Map.of("sfere.cluster.type", "nats"));
        try {
            SfereExtension extension = new SfereExtension();
            extension.natsClient = "io.nats.client.NotThere";
            assertThatThrownBy(() -> new Weld().disableDiscovery().addExtension(extension).initialize().close())
                    .isInstanceOf(DeploymentException.class)
                    .hasMessageContaining("SFERE-101")
                    .hasMessageContaining("io.nats:jnats");
        } finally {
            TestConfig.release(config);
        }
    }
}
