package dev.sfere;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static dev.sfere.KeyPattern.ANY;
import static dev.sfere.KeyPattern.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyPatternTest {

    /** The 13 rows of the match table in seed 000, with [s [c i]] read as (s, c, i) and [s :*] as (s, ANY, ANY). */
    static Stream<Arguments> seedMatchTable() {
        KeyPattern user1Lobby = KeyPattern.of(literal("user-1"), literal("room"), literal("lobby"));
        KeyPattern anyLobby = KeyPattern.of(ANY, literal("room"), literal("lobby"));
        KeyPattern user1Any = KeyPattern.of(literal("user-1"), ANY, ANY);
        KeyPattern anyRoom = KeyPattern.of(ANY, literal("room"), ANY);
        KeyPattern anyAny = KeyPattern.of(ANY, ANY, ANY);
        return Stream.of(
                Arguments.of(1, user1Lobby, key("user-1", "room", "lobby"), true),
                Arguments.of(2, user1Lobby, key("user-2", "room", "lobby"), false),
                Arguments.of(3, anyLobby, key("user-1", "room", "lobby"), true),
                Arguments.of(4, anyLobby, key("user-2", "room", "lobby"), true),
                Arguments.of(5, anyLobby, key("user-1", "game", "42"), false),
                Arguments.of(6, user1Any, key("user-1", "room", "lobby"), true),
                Arguments.of(7, user1Any, key("user-1", "game", "42"), true),
                Arguments.of(8, user1Any, key("user-2", "room", "lobby"), false),
                Arguments.of(9, anyRoom, key("user-1", "room", "lobby"), true),
                Arguments.of(10, anyRoom, key("user-1", "room", "other"), true),
                Arguments.of(11, anyRoom, key("user-1", "game", "42"), false),
                Arguments.of(12, anyAny, key("user-1", "room", "lobby"), true),
                Arguments.of(13, anyAny, key("anything", "any", "thing"), true));
    }

    @ParameterizedTest(name = "row {0}: {1} vs {2} -> {3}")
    @MethodSource("seedMatchTable")
    void matches_seedTableRow(int row, KeyPattern pattern, ConnectionKey key, boolean expected) {
        assertThat(pattern.matches(key)).isEqualTo(expected);
    }

    @Test
    void literalStar_matchesOnlyTheKeyNamedStar() {
        KeyPattern star = KeyPattern.all().withCategory("lobby").withId("*");
        assertThat(star.matches(key("s", "lobby", "*"))).isTrue();
        assertThat(star.matches(key("s", "lobby", "bob"))).isFalse();
        assertThat(star.id()).isNotEqualTo(ANY);
    }

    @Test
    void withMethods_setLiteralsAndKeepTheRest() {
        KeyPattern p = KeyPattern.all().withCategory("lobby");
        assertThat(p).isEqualTo(KeyPattern.of(ANY, literal("lobby"), ANY));
        assertThat(p.withScope("t").withId("bob")).isEqualTo(KeyPattern.exactly(key("t", "lobby", "bob")));
    }

    @Test
    void exactly_isExactAndGivesItsKeyBack() {
        ConnectionKey key = key("s", "c", "i");
        assertThat(KeyPattern.exactly(key).isExact()).isTrue();
        assertThat(KeyPattern.exactly(key).toKey()).isEqualTo(key);
        assertThat(KeyPattern.all().withCategory("c").isExact()).isFalse();
    }

    @Test
    void toKey_withWildcard_throws() {
        assertThatThrownBy(() -> KeyPattern.all().toKey())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[ANY, ANY, ANY]");
    }

    @Test
    void literal_badValue_isRefusedWithItsName() {
        assertThatThrownBy(() -> literal(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pattern literal must not be blank");
        assertThatThrownBy(() -> KeyPattern.all().withId("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("id must not contain control characters");
        assertThatThrownBy(() -> KeyPattern.all().withCategory("lobby").withScope(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scope must not be blank");
        assertThatThrownBy(() -> KeyPattern.all().withCategory(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("category must not be null");
    }

    @Test
    void of_nullSegment_pointsToAny() {
        assertThatThrownBy(() -> KeyPattern.of(null, ANY, ANY))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("KeyPattern.ANY");
    }

    private static ConnectionKey key(String s, String c, String i) {
        return ConnectionKey.of(s, c, i);
    }
}
