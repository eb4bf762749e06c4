package dev.sfere.cdi;

import jakarta.enterprise.inject.spi.DeploymentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delivery settings: the bound of the library's own delivery threads, and the write deadline. */
class DeliveryConfigTest {

    @Test
    void maxThreads_defaultsToTheLibrarysBound() {
        assertThat(TestConfig.read(Map.of()).maxDeliveryThreads())
                .isEqualTo(dev.sfere.engine.Engine.DEFAULT_MAX_DELIVERY_THREADS)
                .isEqualTo(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void maxThreads_isRead() {
        assertThat(maxThreads(" 200 ")).isEqualTo(200);
        assertThat(maxThreads("1")).isEqualTo(1);
        assertThat(maxThreads("10000")).isEqualTo(10_000);
    }

    private static int maxThreads(String value) {
        return TestConfig.read(Map.of("sfere.delivery.max-threads", value)).maxDeliveryThreads();
    }

    @Test
    void writeTimeout_defaultsToFiveSeconds_andIsRead() {
        assertThat(TestConfig.read(Map.of()).writeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(TestConfig.read(Map.of("sfere.delivery.write-timeout", "PT0.5S")).writeTimeout())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(TestConfig.read(Map.of("sfere.delivery.write-timeout", "PT0S")).writeTimeout())
                .as("no deadline").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "-PT1S", "soon"})
    void writeTimeout_badValue_isRefusedNamingKeyAndValue(String value) {
        assertThatThrownBy(() -> TestConfig.read(Map.of("sfere.delivery.write-timeout", value)))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("SFERE-100")
                .hasMessageContaining("sfere.delivery.write-timeout=\"" + value + "\"");
    }
}
