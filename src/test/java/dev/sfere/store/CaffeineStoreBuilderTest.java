package dev.sfere.store;

import dev.sfere.KeyPattern;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Validation of {@link CaffeineStoreBuilder}: bad values fail at the door, with the value in the message. */
class CaffeineStoreBuilderTest {

    @Test
    void duration_zero_throwsNamingValue() {
        assertThatThrownBy(() -> Stores.caffeine().duration(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duration")
                .hasMessageContaining("PT0S");
    }

    @Test
    void duration_negative_throwsNamingValue() {
        assertThatThrownBy(() -> Stores.caffeine().duration(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duration")
                .hasMessageContaining("PT-5S");
    }

    @Test
    void duration_null_throwsNullPointer() {
        assertThatThrownBy(() -> Stores.caffeine().duration(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void maximumSize_zero_throwsNamingValue() {
        assertThatThrownBy(() -> Stores.caffeine().maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maximumSize")
                .hasMessageEndingWith(" 0");
    }

    @Test
    void maximumSize_negative_throwsNamingValue() {
        assertThatThrownBy(() -> Stores.caffeine().maximumSize(-7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maximumSize")
                .hasMessageContaining("-7");
    }

    @Test
    void build_smallestValidValues_givesEmptyStore() {
        var store = Stores.caffeine().duration(Duration.ofNanos(1)).maximumSize(1).build();

        assertThat(store.keys()).isEmpty();
        assertThat(store.count(KeyPattern.all())).isZero();
    }
}
