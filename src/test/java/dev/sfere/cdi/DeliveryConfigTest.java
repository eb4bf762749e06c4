package dev.sfere.cdi;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bound of the library's own delivery threads: its default and a value that raises it. */
class DeliveryConfigTest {

    private static SfereConfig read(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return SfereConfig.from(config);
    }

    @Test
    void maxThreads_defaultsToTheLibrarysBound() {
        assertThat(read(Map.of()).maxDeliveryThreads()).isEqualTo(SfereThreads.MAX_DELIVERY_THREADS)
                .isEqualTo(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void maxThreads_isRead() {
        assertThat(read(Map.of("sfere.delivery.max-threads", " 200 ")).maxDeliveryThreads()).isEqualTo(200);
        assertThat(read(Map.of("sfere.delivery.max-threads", "1")).maxDeliveryThreads()).isEqualTo(1);
        assertThat(read(Map.of("sfere.delivery.max-threads", "10000")).maxDeliveryThreads()).isEqualTo(10_000);
    }
}
