package dev.sfere.cdi;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bound of the library's own delivery threads: its default and a value that raises it. */
class DeliveryConfigTest {

    @Test
    void maxThreads_defaultsToTheLibrarysBound() {
        assertThat(TestConfig.read(Map.of()).maxDeliveryThreads()).isEqualTo(dev.sfere.engine.Engine.DEFAULT_MAX_DELIVERY_THREADS)
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
}
