package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys written for NATS subjects and KV keys, and read back. */
class KeyCodecTest {

    @Test
    void plainParts_stayReadable() {
        assertThat(KeyCodec.encode(ConnectionKey.of("tenant-1", "lobby", "alice"))).isEqualTo("tenant-1.lobby.alice");
    }

    @Test
    void everyOtherByte_becomesUnderscoreAndHex() {
        assertThat(KeyCodec.encode(ConnectionKey.of("a.b", "*", "é_ >"))).isEqualTo("a_2eb._2a._c3_a9_5f_20_3e");
    }

    @Property(tries = 500)
    void anyLegalKey_roundTrips_andUsesOnlyCharactersNatsAccepts(@ForAll("keys") ConnectionKey key) {
        String encoded = KeyCodec.encode(key);
        assertThat(encoded).matches("=?[A-Za-z0-9_-]+\\.=?[A-Za-z0-9_-]+\\.=?[A-Za-z0-9_-]+");
        assertThat(KeyCodec.decode(encoded)).isEqualTo(key);
    }

    @Provide
    Arbitrary<ConnectionKey> keys() {
        Arbitrary<String> part = Arbitraries.oneOf(
                        Arbitraries.strings().withCharRange(' ', '~').withChars('é', '漢', '.', '*', '>'),
                        Arbitraries.of("😀", "a😀b", "x.y", "_2e"))
                .list().ofMinSize(1).ofMaxSize(6).map(list -> String.join("", list))
                .filter(s -> !s.isBlank() && s.length() <= 256);
        return net.jqwik.api.Combinators.combine(part, part, part).as(ConnectionKey::of);
    }

    /**
     * The longest legal parts: 256 characters of a script other than Latin would take 2,304 characters each written
     * readably, too long for a NATS protocol line with three of them; plain ASCII stays readable however long.
     */
    @Test
    void longestParts_stayWithinWhatNatsAccepts_andRoundTrip() {
        String cjk = "\u754c".repeat(256);
        String emoji = "\uD83D\uDE00".repeat(128);
        String escapedAscii = ".".repeat(256);
        ConnectionKey key = ConnectionKey.of(escapedAscii, cjk, emoji);

        String encoded = KeyCodec.encode(key);

        assertThat(encoded.length()).isLessThan(3_100);
        assertThat(encoded).startsWith("_2e".repeat(256) + ".=");
        assertThat(KeyCodec.decode(encoded)).isEqualTo(key);
        assertThat(KeyCodec.encode(ConnectionKey.of("s", cjk.substring(0, 10), "a")))
                .as("a short part stays readable").isEqualTo("s." + "_e7_95_8c".repeat(10) + ".a");
    }

    @Test
    void malformedText_isRefused() {
        assertThatThrownBy(() -> KeyCodec.decode("only.two")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only.two");
        assertThatThrownBy(() -> KeyCodec.decode("a.b.c_4")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyCodec.decode("a.b.c*")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyCodec.decode("a.b.=!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("=!");
    }
}
