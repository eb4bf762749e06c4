package dev.sfere;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionKeyTest {

    @Test
    void of_validParts_keepsThem() {
        ConnectionKey key = ConnectionKey.of("default", "lobby", "alice");
        assertThat(key.scope()).isEqualTo("default");
        assertThat(key.category()).isEqualTo("lobby");
        assertThat(key.id()).isEqualTo("alice");
        assertThat(key).isEqualTo(new ConnectionKey("default", "lobby", "alice"));
    }

    @Test
    void of_starAsId_isAnOrdinaryValue() {
        assertThat(ConnectionKey.of("s", "lobby", "*").id()).isEqualTo("*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scope", "category", "id"})
    void of_nullPart_namesThePart(String part) {
        assertThatThrownBy(() -> keyWith(part, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scope", "category", "id"})
    void of_blankPart_namesThePart(String part) {
        assertThatThrownBy(() -> keyWith(part, "  \t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must not be blank");
    }

    /** No-break spaces look like spaces and are white space to a reader, though not to {@code String.isBlank}. */
    @ParameterizedTest
    @ValueSource(strings = {"\u00A0", "\u202F\u2007", " \u00A0 "})
    void of_onlyNoBreakSpaces_isBlank(String blank) {
        assertThatThrownBy(() -> keyWith("id", blank))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("id must not be blank");
        assertThat(ConnectionKey.of("s", "lobby", "a\u00A0b").id()).isEqualTo("a\u00A0b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scope", "category", "id"})
    void of_controlCharacter_namesThePartAndTheCharacter(String part) {
        assertThatThrownBy(() -> keyWith(part, "bob\r\nevent: forged"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must not contain control characters")
                .hasMessageContaining("U+000D");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scope", "category", "id"})
    void of_tenThousandCharacters_namesThePart(String part) {
        assertThatThrownBy(() -> keyWith(part, "x".repeat(10_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must be at most 256 characters, got 10000");
    }

    /**
     * The length check comes first, so a long value is quoted before the control characters are looked at: the
     * quote escapes them as the control-character message does, and a client's value cannot start a line of its own
     * in a log or a 400 body. A blank value of line breaks is quoted the same way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scope", "category", "id"})
    void of_longOrBlankPartWithLineBreaks_isQuotedEscaped(String part) {
        assertThatThrownBy(() -> keyWith(part, "bob\r\n[SEVERE] forged" + "x".repeat(300)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must be at most 256 characters")
                .hasMessageContaining("bob\\u000d\\u000a[SEVERE]")
                .hasMessageNotContainingAny("\r", "\n");
        assertThatThrownBy(() -> keyWith(part, "\r\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(part + " must not be blank")
                .hasMessageNotContainingAny("\r", "\n");
    }

    @Test
    void of_longestAllowedPart_isAccepted() {
        assertThat(ConnectionKey.of("s", "c", "x".repeat(256)).id()).hasSize(256);
    }

    private static ConnectionKey keyWith(String part, String value) {
        return switch (part) {
            case "scope" -> ConnectionKey.of(value, "c", "i");
            case "category" -> ConnectionKey.of("s", value, "i");
            default -> ConnectionKey.of("s", "c", value);
        };
    }

    @org.junit.jupiter.api.Test
    void unpairedSurrogate_isRefusedNamingThePart_pairedOneIsFine() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConnectionKey.of("s", "c", "a\uD83Db"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id")
                .hasMessageContaining("unpaired surrogate U+D83D");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConnectionKey.of("s", "\uDE00", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("category");
        org.assertj.core.api.Assertions.assertThat(ConnectionKey.of("s", "c", "smile \uD83D\uDE00").id())
                .endsWith("\uD83D\uDE00");
    }
}
