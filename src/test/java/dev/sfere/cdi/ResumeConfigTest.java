package dev.sfere.cdi;

import jakarta.enterprise.inject.spi.DeploymentException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The resume settings: the window, the history's bound and the reconnection delay sent to clients. */
class ResumeConfigTest {

    @Test
    void defaults() {
        SfereConfig config = TestConfig.read(Map.of());
        assertThat(config.resumeWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.resumeMaxBytes()).isEqualTo(4L << 20);
        assertThat(config.resumeRetry()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void values_areRead_andZeroTurnsResumingOff() {
        SfereConfig config = TestConfig.read(Map.of("sfere.resume.window", "PT0S", "sfere.resume.max-bytes", "1024",
                "sfere.resume.retry", "PT0.25S"));
        assertThat(config.resumeWindow()).isZero();
        assertThat(config.resumeMaxBytes()).isEqualTo(1024);
        assertThat(config.resumeRetry()).isEqualTo(Duration.ofMillis(250));
    }

    @ParameterizedTest
    @CsvSource({"sfere.resume.window, 2m", "sfere.resume.window, -PT1S", "sfere.resume.max-bytes, 0",
            "sfere.resume.max-bytes, 4MB", "sfere.resume.retry, soon"})
    void badValue_isRefusedNamingKeyAndValue(String key, String value) {
        assertThatThrownBy(() -> TestConfig.read(Map.of(key, value)))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("SFERE-100")
                .hasMessageContaining(key + "=\"" + value + "\"");
    }
}
