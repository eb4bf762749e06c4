package dev.sfere.spi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.sfere.KeyPattern.ANY;
import static dev.sfere.KeyPattern.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link ConnectionStore} keeps, as a JUnit 5 suite: the library runs it against each of its
 * stores, and the author of another store runs it by extending this class (from the library's test-jar) and
 * returning a new, empty store from {@link #newStore()}. Removals are recorded by a listener added before each test.
 *
 * <p>A store that defers work (expiry, size eviction) runs it in {@link #runMaintenance()}; one with internal
 * structures of its own checks them in {@link #assertConsistent()} and {@link #assertNothingLeftBehind()}.
 */
public abstract class ConnectionStoreContract {

    protected static final ConnectionKey ALICE = ConnectionKey.of("default", "lobby", "alice");
    protected static final ConnectionKey BOB = ConnectionKey.of("default", "lobby", "bob");
    protected static final ConnectionKey CAROL_GAME = ConnectionKey.of("default", "game", "carol");
    protected static final ConnectionKey ALICE_ACME = ConnectionKey.of("acme", "lobby", "alice");

    /** The store under test, new for each test. */
    protected ConnectionStore store;
    /** Every removal the store reported, in order. */
    protected RecordingListener removals;

    /**
     * A new, empty store of the configuration under test.
     *
     * @return the store
     */
    protected abstract ConnectionStore newStore();

    /** Runs whatever maintenance the store defers (expiry, size eviction); nothing for stores without any. */
    protected void runMaintenance() {
    }

    /** Checks the store's own structures against what it holds; nothing by default. */
    protected void assertConsistent() {
    }

    /** After every key was removed: checks that the store keeps nothing for them; nothing by default. */
    protected void assertNothingLeftBehind() {
    }

    @BeforeEach
    public void createStore() {
        store = newStore();
        removals = new RecordingListener();
        store.addRemovalListener(removals);
    }

    /**
     * A connection to store: an opaque handle, as the library makes them.
     *
     * @return a new connection
     */
    protected static Connection newConnection() {
        return new Connection() { };
    }

    // ---------------------------------------------------------------- store and get

    @Test
    public void store_returnsTheConnection() {
        Connection connection = newConnection();

        assertThat(store.store(ALICE, connection)).isSameAs(connection);
    }

    @Test
    public void get_storedKey_returnsItsConnection() {
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(BOB, bob);

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(store.get(BOB)).containsSame(bob);
        assertThat(store.get(ConnectionKey.of("default", "lobby", "alice"))).containsSame(alice);
    }

    @Test
    public void get_missingKey_returnsEmpty() {
        store.store(ALICE, newConnection());

        assertThat(store.get(BOB)).isEmpty();
        assertThat(store.get(ALICE_ACME)).isEmpty();
        assertThat(store.get(ConnectionKey.of("default", "game", "alice"))).isEmpty();
    }

    @Test
    public void get_emptyStore_returnsEmpty() {
        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keys()).isEmpty();
        assertThat(store.count(KeyPattern.all())).isZero();
    }

    @Test
    public void store_existingKey_replacesAndFiresReplacedOnceWithOldConnection() {
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);

        store.store(ALICE, newer);

        assertThat(store.get(ALICE)).containsSame(newer);
        assertThat(store.keys()).containsExactly(ALICE);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, old, EvictionCause.REPLACED));
    }

    @Test
    public void store_sameConnectionSameKey_firesNothing() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThat(store.store(ALICE, connection)).isSameAs(connection);

        assertThat(removals.all()).isEmpty();
        assertThat(store.get(ALICE)).containsSame(connection);
        assertThat(store.keyOf(connection)).contains(ALICE);
        assertThat(store.keys()).containsExactly(ALICE);
    }

    @Test
    public void store_connectionStoredUnderAnotherKey_throwsIllegalArgument() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThatThrownBy(() -> store.store(BOB, connection))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ALICE.toString())
                .hasMessageContaining(BOB.toString());

        assertThat(store.get(BOB)).isEmpty();
        assertThat(store.get(ALICE)).containsSame(connection);
        assertThat(store.keyOf(connection)).contains(ALICE);
        assertThat(removals.all()).isEmpty();
    }

    @Test
    public void store_purgedConnectionUnderAnotherKey_isAllowed() {
        Connection connection = newConnection();
        store.store(ALICE, connection);
        store.purge(ALICE);

        store.store(BOB, connection);

        assertThat(store.keyOf(connection)).contains(BOB);
        assertThat(store.get(BOB)).containsSame(connection);
        assertThat(store.get(ALICE)).isEmpty();
    }

    @Test
    public void store_replacedConnectionUnderAnotherKey_isAllowed() {
        Connection old = newConnection();
        store.store(ALICE, old);
        store.store(ALICE, newConnection());

        store.store(BOB, old);

        assertThat(store.keyOf(old)).contains(BOB);
        assertThat(store.get(BOB)).containsSame(old);
    }

    @Test
    public void store_nullArguments_throwNullPointer() {
        assertThatThrownBy(() -> store.store(null, newConnection())).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.store(ALICE, null)).isInstanceOf(NullPointerException.class);
        assertThat(store.keys()).isEmpty();
    }

    /** Every store refuses a null key for {@code touch} alike, at the door, rather than ignore it or fail inside. */
    @Test
    public void touch_nullKey_throwsNullPointerNamingKey() {
        assertThatThrownBy(() -> store.touch(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    }

    // ---------------------------------------------------------------- purge

    @Test
    public void purge_presentKey_firesExplicitOnceAndReturnsTrue() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThat(store.purge(ALICE)).isTrue();

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keys()).isEmpty();
        assertThat(removals.all())
                .containsExactly(new RecordingListener.Removal(ALICE, connection, EvictionCause.EXPLICIT));
    }

    @Test
    public void purge_missingKey_firesNothing() {
        store.store(ALICE, newConnection());

        assertThat(store.purge(BOB)).isFalse();

        assertThat(removals.all()).isEmpty();
        assertThat(store.keys()).containsExactly(ALICE);
    }

    @Test
    public void purge_twice_firesOnce() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThat(store.purge(ALICE)).isTrue();
        assertThat(store.purge(ALICE)).isFalse();

        assertThat(removals.of(connection)).hasSize(1);
    }

    @Test
    public void purge_withCause_passesCause() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThat(store.purge(ALICE, EvictionCause.CLOSED)).isTrue();

        assertThat(removals.all())
                .containsExactly(new RecordingListener.Removal(ALICE, connection, EvictionCause.CLOSED));
    }

    @Test
    public void purge_leavesOtherKeys() {
        Connection bob = newConnection();
        store.store(ALICE, newConnection());
        store.store(BOB, bob);

        store.purge(ALICE);

        assertThat(store.keys()).containsExactly(BOB);
        assertThat(store.get(BOB)).containsSame(bob);
    }

    @Test
    public void purgeConnection_stored_removesItWithCause() {
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(BOB, bob);

        assertThat(store.purge(alice, EvictionCause.CLOSED)).isTrue();

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keyOf(alice)).isEmpty();
        assertThat(store.keys()).containsExactly(BOB);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.CLOSED));
    }

    @Test
    public void purgeConnection_replacedByNewer_returnsFalseAndKeepsNewer() {
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);
        store.store(ALICE, newer);

        assertThat(store.purge(old, EvictionCause.CLOSED)).isFalse();

        assertThat(store.get(ALICE)).containsSame(newer);
        assertThat(store.keyOf(newer)).contains(ALICE);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, old, EvictionCause.REPLACED));
    }

    @Test
    public void purgeConnection_neverStored_firesNothing() {
        store.store(ALICE, newConnection());

        assertThat(store.purge(newConnection(), EvictionCause.CLOSED)).isFalse();

        assertThat(removals.all()).isEmpty();
        assertThat(store.keys()).containsExactly(ALICE);
    }

    @Test
    public void purgeConnection_twice_firesOnce() {
        Connection connection = newConnection();
        store.store(ALICE, connection);

        assertThat(store.purge(connection, EvictionCause.CLOSED)).isTrue();
        assertThat(store.purge(connection, EvictionCause.CLOSED)).isFalse();

        assertThat(removals.of(connection)).hasSize(1);
    }

    // ---------------------------------------------------------------- keys, count, keyOf

    @Test
    public void keys_returnsEveryKey() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        store.store(CAROL_GAME, newConnection());
        store.store(ALICE_ACME, newConnection());

        assertThat(store.keys()).containsExactlyInAnyOrder(ALICE, BOB, CAROL_GAME, ALICE_ACME);
    }

    @Test
    public void keys_isSnapshot() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        List<ConnectionKey> before = store.keys();

        store.purge(ALICE);
        store.store(CAROL_GAME, newConnection());

        assertThat(before).containsExactlyInAnyOrder(ALICE, BOB);
        assertThat(store.keys()).containsExactlyInAnyOrder(BOB, CAROL_GAME);
    }

    @Test
    public void keysPattern_isSnapshot() {
        KeyPattern lobby = KeyPattern.all().withCategory("lobby");
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        List<ConnectionKey> before = store.keys(lobby);

        store.purge(ALICE);
        store.store(ALICE_ACME, newConnection());

        assertThat(before).containsExactlyInAnyOrder(ALICE, BOB);
        assertThat(store.keys(lobby)).containsExactlyInAnyOrder(BOB, ALICE_ACME);
    }

    @Test
    public void keysPattern_selectsByEachPosition() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        store.store(CAROL_GAME, newConnection());
        store.store(ALICE_ACME, newConnection());

        assertThat(store.keys(KeyPattern.all().withScope("default"))).containsExactlyInAnyOrder(ALICE, BOB, CAROL_GAME);
        assertThat(store.keys(KeyPattern.all().withCategory("lobby"))).containsExactlyInAnyOrder(ALICE, BOB, ALICE_ACME);
        assertThat(store.keys(KeyPattern.all().withId("alice"))).containsExactlyInAnyOrder(ALICE, ALICE_ACME);
        assertThat(store.keys(KeyPattern.all().withScope("acme").withId("alice"))).containsExactly(ALICE_ACME);
        assertThat(store.keys(KeyPattern.exactly(BOB))).containsExactly(BOB);
        assertThat(store.keys(KeyPattern.exactly(ConnectionKey.of("default", "lobby", "dave")))).isEmpty();
        assertThat(store.keys(KeyPattern.all().withScope("nobody"))).isEmpty();
    }

    @Test
    public void count_pattern_countsMatchingKeys() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        store.store(CAROL_GAME, newConnection());
        store.store(ALICE_ACME, newConnection());

        assertThat(store.count(KeyPattern.all())).isEqualTo(4);
        assertThat(store.count(KeyPattern.all().withScope("default"))).isEqualTo(3);
        assertThat(store.count(KeyPattern.all().withCategory("lobby"))).isEqualTo(3);
        assertThat(store.count(KeyPattern.all().withId("alice"))).isEqualTo(2);
        assertThat(store.count(KeyPattern.exactly(CAROL_GAME))).isEqualTo(1);
        assertThat(store.count(KeyPattern.exactly(ConnectionKey.of("acme", "game", "carol")))).isZero();
        assertThat(store.count(KeyPattern.all().withCategory("chess"))).isZero();

        store.purge(BOB);

        assertThat(store.count(KeyPattern.all().withCategory("lobby"))).isEqualTo(2);
        assertThat(store.count(KeyPattern.all())).isEqualTo(3);
    }

    @Test
    public void count_afterReplace_countsKeyOnce() {
        store.store(ALICE, newConnection());
        store.store(ALICE, newConnection());
        store.store(ALICE, newConnection());

        assertThat(store.count(KeyPattern.all())).isEqualTo(1);
        assertThat(store.count(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(store.keys(KeyPattern.all().withId("alice"))).containsExactly(ALICE);
    }

    @Test
    public void keyOf_stored_returnsItsKey() {
        Connection alice = newConnection();
        Connection carol = newConnection();
        store.store(ALICE, alice);
        store.store(CAROL_GAME, carol);

        assertThat(store.keyOf(alice)).contains(ALICE);
        assertThat(store.keyOf(carol)).contains(CAROL_GAME);
    }

    @Test
    public void keyOf_afterPurge_isEmpty() {
        Connection byKey = newConnection();
        Connection byConnection = newConnection();
        store.store(ALICE, byKey);
        store.store(BOB, byConnection);

        store.purge(ALICE);
        store.purge(byConnection, EvictionCause.CLOSED);

        assertThat(store.keyOf(byKey)).isEmpty();
        assertThat(store.keyOf(byConnection)).isEmpty();
    }

    @Test
    public void keyOf_replacedConnection_isEmpty() {
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);
        store.store(ALICE, newer);

        assertThat(store.keyOf(old)).isEmpty();
        assertThat(store.keyOf(newer)).contains(ALICE);
    }

    @Test
    public void keyOf_neverStored_isEmpty() {
        store.store(ALICE, newConnection());

        assertThat(store.keyOf(newConnection())).isEmpty();
    }

    // ---------------------------------------------------------------- the match table of seed 000

    /**
     * The 13 rows of seed 000's match table, verbatim. In the seed's notation {@code :*} is the wildcard,
     * {@code [scope :*]} has a wildcard for both category and id, and keywords and numbers stand for their text.
     */
    @ParameterizedTest(name = "[{index}] pattern {0} key {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            [:user-1 [:room "lobby"]] | [:user-1 [:room "lobby"]]   | true
            [:user-1 [:room "lobby"]] | [:user-2 [:room "lobby"]]   | false
            [:* [:room "lobby"]]      | [:user-1 [:room "lobby"]]   | true
            [:* [:room "lobby"]]      | [:user-2 [:room "lobby"]]   | true
            [:* [:room "lobby"]]      | [:user-1 [:game 42]]        | false
            [:user-1 :*]              | [:user-1 [:room "lobby"]]   | true
            [:user-1 :*]              | [:user-1 [:game 42]]        | true
            [:user-1 :*]              | [:user-2 [:room "lobby"]]   | false
            [:* [:room :*]]           | [:user-1 [:room "lobby"]]   | true
            [:* [:room :*]]           | [:user-1 [:room "other"]]   | true
            [:* [:room :*]]           | [:user-1 [:game 42]]        | false
            [:* :*]                   | [:user-1 [:room "lobby"]]   | true
            [:* :*]                   | [:anything [:any "thing"]]  | true
            """)
    void matchTable_row(String patternText, String keyText, boolean expected) {
        List<ConnectionKey> tableKeys = List.of(
                seedKey("[:user-1 [:room \"lobby\"]]"),
                seedKey("[:user-2 [:room \"lobby\"]]"),
                seedKey("[:user-1 [:game 42]]"),
                seedKey("[:user-1 [:room \"other\"]]"),
                seedKey("[:anything [:any \"thing\"]]"));
        for (ConnectionKey key : tableKeys) {
            store.store(key, newConnection());
        }
        KeyPattern pattern = seedPattern(patternText);
        ConnectionKey key = seedKey(keyText);
        assertThat(tableKeys).contains(key);

        List<ConnectionKey> listed = store.keys(pattern);

        if (expected) {
            assertThat(listed).contains(key);
        } else {
            assertThat(listed).doesNotContain(key);
        }
        assertThat(pattern.matches(key)).isEqualTo(expected);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(
                tableKeys.stream().filter(k -> seedMatches(patternText, k)).toList());
        assertThat(store.count(pattern)).isEqualTo(listed.size());
    }

    /** {@code [:s [:c id]]} as a key: keywords lose their colon, strings their quotes, numbers become text. */
    static ConnectionKey seedKey(String text) {
        List<String> tokens = seedTokens(text);
        assertThat(tokens).as("key %s", text).hasSize(3);
        return ConnectionKey.of(tokens.get(0), tokens.get(1), tokens.get(2));
    }

    /** {@code [:s [:c id]]} or {@code [:s :*]} as a pattern, with {@code :*} as {@link KeyPattern#ANY}. */
    static KeyPattern seedPattern(String text) {
        List<String> tokens = seedTokens(text);
        if (tokens.size() == 2) {
            assertThat(tokens.get(1)).as("inner of %s", text).isEqualTo(":*");
            return KeyPattern.of(seedSegment(tokens.get(0)), ANY, ANY);
        }
        assertThat(tokens).as("pattern %s", text).hasSize(3);
        return KeyPattern.of(seedSegment(tokens.get(0)), seedSegment(tokens.get(1)), seedSegment(tokens.get(2)));
    }

    /** The seed's own match function, transcribed over the token form, as the reference. */
    static boolean seedMatches(String patternText, ConnectionKey key) {
        List<String> p = seedTokens(patternText);
        List<String> k = List.of(key.scope(), key.category(), key.id());
        if (!p.get(0).equals(":*") && !unkeyword(p.get(0)).equals(k.get(0))) {
            return false;
        }
        if (p.size() == 2) {
            return true;
        }
        return (p.get(1).equals(":*") || unkeyword(p.get(1)).equals(k.get(1)))
                && (p.get(2).equals(":*") || unkeyword(p.get(2)).equals(k.get(2)));
    }

    private static KeyPattern.Segment seedSegment(String token) {
        return token.equals(":*") ? ANY : literal(unkeyword(token));
    }

    private static List<String> seedTokens(String text) {
        List<String> tokens = new ArrayList<>();
        for (String token : text.replace('[', ' ').replace(']', ' ').trim().split("\\s+")) {
            tokens.add(token.equals(":*") ? token : unkeyword(token));
        }
        return tokens;
    }

    private static String unkeyword(String token) {
        String t = token.startsWith(":") ? token.substring(1) : token;
        return t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    // ---------------------------------------------------------------- the wildcard is not the text "*"

    @Test
    public void literalStarPattern_exact_matchesOnlyKeyWithStarId() {
        ConnectionKey star = ConnectionKey.of("default", "lobby", "*");
        store.store(star, newConnection());
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());

        KeyPattern literalStar = KeyPattern.of(literal("default"), literal("lobby"), literal("*"));

        assertThat(store.keys(literalStar)).containsExactly(star);
        assertThat(store.count(literalStar)).isEqualTo(1);
    }

    @Test
    public void literalStarPattern_withWildcards_matchesOnlyKeyWithStarId() {
        ConnectionKey star = ConnectionKey.of("default", "lobby", "*");
        ConnectionKey starElsewhere = ConnectionKey.of("acme", "game", "*");
        store.store(star, newConnection());
        store.store(starElsewhere, newConnection());
        store.store(ALICE, newConnection());
        store.store(ALICE_ACME, newConnection());

        KeyPattern anyStar = KeyPattern.of(ANY, ANY, literal("*"));

        assertThat(store.keys(anyStar)).containsExactlyInAnyOrder(star, starElsewhere);
        assertThat(store.count(anyStar)).isEqualTo(2);
    }

    /** The "*" bucket is the larger one here, so the store narrows by category and must compare ids itself. */
    @Test
    public void literalStarPattern_narrowedByOtherLiteral_doesNotMatchOtherIds() {
        ConnectionKey star = ConnectionKey.of("default", "lobby", "*");
        store.store(star, newConnection());
        store.store(ALICE, newConnection());
        for (String category : List.of("game", "chat", "news")) {
            store.store(ConnectionKey.of("default", category, "*"), newConnection());
        }

        KeyPattern lobbyStar = KeyPattern.of(ANY, literal("lobby"), literal("*"));

        assertThat(store.keys(lobbyStar)).containsExactly(star);
        assertThat(store.count(lobbyStar)).isEqualTo(1);
        assertThat(store.keys(KeyPattern.of(literal("default"), literal("lobby"), ANY)))
                .containsExactlyInAnyOrder(star, ALICE);
    }

    @Test
    public void literalStarPattern_noStarKey_matchesNothing() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());

        assertThat(store.keys(KeyPattern.of(ANY, literal("lobby"), literal("*")))).isEmpty();
        assertThat(store.keys(KeyPattern.of(literal("*"), ANY, ANY))).isEmpty();
        assertThat(store.count(KeyPattern.of(ANY, literal("*"), ANY))).isZero();
        assertThat(store.keys(KeyPattern.of(literal("default"), literal("lobby"), literal("*")))).isEmpty();
    }

    @Test
    public void wildcardPattern_matchesStarIdLikeAnyOther() {
        ConnectionKey star = ConnectionKey.of("default", "lobby", "*");
        store.store(star, newConnection());
        store.store(ALICE, newConnection());

        assertThat(store.keys(KeyPattern.all().withCategory("lobby"))).containsExactlyInAnyOrder(star, ALICE);
        assertThat(store.get(star)).isPresent();
    }

    // ---------------------------------------------------------------- index

    @Test
    public void indexedLookup_manyKeys_equalsFilteredScan() {
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            store.store(ConnectionKey.of("s" + random.nextInt(5), "c" + random.nextInt(7), "i" + random.nextInt(40)),
                    newConnection());
        }
        List<ConnectionKey> all = store.keys();
        List<KeyPattern> patterns = new ArrayList<>();
        for (String scope : List.of("s0", "s4", "none")) {
            for (String category : List.of("c1", "c6", "none")) {
                patterns.add(KeyPattern.all().withScope(scope));
                patterns.add(KeyPattern.all().withCategory(category));
                patterns.add(KeyPattern.all().withScope(scope).withCategory(category));
                patterns.add(KeyPattern.all().withScope(scope).withId("i3"));
                patterns.add(KeyPattern.all().withCategory(category).withId("i17"));
                patterns.add(KeyPattern.all().withScope(scope).withCategory(category).withId("i8"));
            }
        }
        patterns.add(KeyPattern.all());

        patterns.add(KeyPattern.exactly(all.get(0)));
        patterns.add(KeyPattern.exactly(ConnectionKey.of("none", "none", "none")));

        for (KeyPattern pattern : patterns) {
            List<ConnectionKey> expected = all.stream().filter(pattern::matches).toList();
            assertThat(store.keys(pattern)).as("keys(%s)", pattern).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(store.count(pattern)).as("count(%s)", pattern).isEqualTo(expected.size());
            List<ConnectionKey> visited = new ArrayList<>();
            store.forEach(pattern, (key, connection) -> {
                assertThat(store.get(key)).as("forEach(%s) pairs %s with its connection", pattern, key)
                        .containsSame(connection);
                visited.add(key);
            });
            assertThat(visited).as("forEach(%s)", pattern).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /**
     * A connection moved to another key while its purge is still under way: the store under the new key waits for
     * the purge to finish with the connection's index entries (it is refused until the purge has begun), so the
     * purge cannot take out the entries the new store just made for the parts both keys share.
     */
    @Test
    @Timeout(120)
    public void purgeRacingAStoreOfTheSameConnectionUnderAnotherKey_leavesItIndexedUnderTheNewKey() throws Exception {
        // Parts that differ in every position, and a lookup in each: all three position indexes are kept.
        store.store(ConnectionKey.of("other", "x", "f"), newConnection());
        store.store(ConnectionKey.of("a", "c", "g"), newConnection());
        store.keys(KeyPattern.all().withScope("a"));
        store.keys(KeyPattern.all().withCategory("c"));
        store.keys(KeyPattern.all().withId("f"));
        ConnectionKey first = ConnectionKey.of("a", "c", "1");
        ConnectionKey second = ConnectionKey.of("a", "c", "2");
        List<KeyPattern> patterns = List.of(KeyPattern.all().withScope("a"), KeyPattern.all().withCategory("c"),
                KeyPattern.all().withId("2"));
        CyclicBarrier barrier = new CyclicBarrier(2);
        int rounds = 30_000;
        List<String> problems = new ArrayList<>();
        ExecutorService purger = Executors.newSingleThreadExecutor();
        try {
            Future<?> purging = purger.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    barrier.await();
                    store.purge(first);
                    barrier.await();
                }
                return null;
            });
            for (int i = 0; i < rounds && problems.size() < 5; i++) {
                Connection moving = newConnection();
                store.store(first, moving);
                barrier.await();
                while (!storedUnder(second, moving)) {
                    Thread.onSpinWait();
                }
                barrier.await();
                for (KeyPattern pattern : patterns) {
                    if (!store.keys(pattern).contains(second)) {
                        problems.add("round " + i + ": " + pattern + " misses " + second);
                    }
                }
                store.purge(second);
            }
            if (problems.size() >= 5) {
                purger.shutdownNow();
            } else {
                purging.get();
            }
        } finally {
            purger.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertConsistent();
    }

    /** Stores a connection under a key; false while the store refuses it as still stored under another key. */
    private boolean storedUnder(ConnectionKey key, Connection connection) {
        try {
            store.store(key, connection);
            return true;
        } catch (IllegalArgumentException stillUnderItsOldKey) {
            return false;
        }
    }

    /**
     * Keys purged and stored again by several threads while others count every key: a count may or may not include
     * a key that comes or goes meanwhile, but never more keys than there are. (A removal's count change can land
     * after another thread has stored the key again, so a map's own size can count one key twice.)
     */
    @Test
    @Timeout(120)
    public void countOfEveryKey_whileKeysComeAndGo_neverExceedsTheKeysThereAre() throws Exception {
        List<ConnectionKey> keys = List.of(ConnectionKey.of("s", "a", "1"), ConnectionKey.of("s", "b", "2"),
                ConnectionKey.of("t", "a", "3"));
        int churners = 4;
        int counters = 2;
        CountDownLatch start = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(churners + counters);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> churning = new ArrayList<>();
            for (int t = 0; t < churners; t++) {
                Random random = new Random(t);
                churning.add(pool.submit(() -> {
                    start.await();
                    for (int op = 0; op < 100_000 && problems.isEmpty(); op++) {
                        ConnectionKey key = keys.get(random.nextInt(keys.size()));
                        // Mostly stores, so the keys are mostly there and a count comes close to all of them.
                        if (random.nextInt(4) == 0) {
                            store.purge(key);
                        } else {
                            store.store(key, newConnection());
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> counting = new ArrayList<>();
            for (int t = 0; t < counters; t++) {
                counting.add(pool.submit(() -> {
                    start.await();
                    while (!stop.get() && problems.size() < 5) {
                        int count = store.count(KeyPattern.all());
                        if (count > keys.size()) {
                            problems.add("count of every key = " + count + " with " + keys.size() + " keys");
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : churning) {
                future.get();
            }
            stop.set(true);
            for (Future<?> future : counting) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
    }

    /**
     * Parts that keep going from no connection to one, to several and back are where a bucket is made from a single
     * connection, retired when it empties, and added to by a thread that read it just before: no connection may be
     * lost in a retired bucket, or left behind in one.
     */
    @Test
    @Timeout(120)
    public void sharedParts_storedAndPurgedByManyThreads_keepIndexExact() throws Exception {
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                // Two keys per thread, all in one category and in one of two scopes; an id shared by two threads.
                ConnectionKey first = ConnectionKey.of("s" + t % 2, "hot", "u" + t);
                ConnectionKey second = ConnectionKey.of("s" + t % 2, "hot", "shared" + t / 2);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int op = 0; op < 20_000 && problems.size() < 10; op++) {
                        store.store(first, newConnection());
                        Connection connection = store.store(second, newConnection());
                        int hot = store.count(KeyPattern.all().withCategory("hot"));
                        if (hot < 2 || hot > 2 * threads) {
                            problems.add("count(hot) = " + hot + " while this thread held 2 of " + 2 * threads);
                        }
                        if (!store.keys(KeyPattern.all().withCategory("hot")).contains(second)) {
                            problems.add("keys(hot) missed " + second + ", stored by this thread");
                        }
                        store.purge(connection, EvictionCause.CLOSED);
                        store.purge(first);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
        runMaintenance();
        assertThat(store.keys()).isEmpty();
        assertNothingLeftBehind();

        // Buckets still work after all that churn.
        store.store(ConnectionKey.of("s0", "hot", "a"), newConnection());
        store.store(ConnectionKey.of("s1", "hot", "b"), newConnection());
        assertThat(store.count(KeyPattern.all().withCategory("hot"))).isEqualTo(2);
        assertConsistent();
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    @Timeout(120)
    public void concurrentStoreReplacePurgeAndList_keepsInvariants() throws Exception {
        int threads = 8;
        int opsPerThread = 2_000;
        List<ConnectionKey> keySpace = new ArrayList<>();
        for (String scope : List.of("s1", "s2")) {
            for (String category : List.of("lobby", "game")) {
                for (String id : List.of("a", "b", "c", "d")) {
                    keySpace.add(ConnectionKey.of(scope, category, id));
                }
            }
        }
        List<KeyPattern> patterns = List.of(
                KeyPattern.all(),
                KeyPattern.all().withScope("s1"),
                KeyPattern.all().withCategory("lobby"),
                KeyPattern.all().withId("b"),
                KeyPattern.all().withScope("s2").withCategory("game"),
                KeyPattern.all().withCategory("lobby").withId("c"),
                KeyPattern.exactly(keySpace.get(3)));
        Queue<Connection> created = new ConcurrentLinkedQueue<>();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(1_000L + t);
                futures.add(pool.submit(() -> {
                    List<Connection> mine = new ArrayList<>();
                    start.await();
                    for (int op = 0; op < opsPerThread; op++) {
                        ConnectionKey key = keySpace.get(random.nextInt(keySpace.size()));
                        KeyPattern pattern = patterns.get(random.nextInt(patterns.size()));
                        int dice = random.nextInt(100);
                        if (dice < 35) {
                            Connection connection = newConnection();
                            created.add(connection);
                            mine.add(connection);
                            if (store.store(key, connection) != connection) {
                                problems.add("store did not return its connection");
                            }
                        } else if (dice < 50) {
                            store.purge(key);
                        } else if (dice < 62) {
                            if (!mine.isEmpty()) {
                                store.purge(mine.get(random.nextInt(mine.size())), EvictionCause.CLOSED);
                            }
                        } else if (dice < 75) {
                            List<ConnectionKey> listed = store.keys(pattern);
                            for (ConnectionKey k : listed) {
                                if (!pattern.matches(k)) {
                                    problems.add("keys(" + pattern + ") listed " + k);
                                }
                            }
                            if (new HashSet<>(listed).size() != listed.size()) {
                                problems.add("keys(" + pattern + ") listed a key twice: " + listed);
                            }
                        } else if (dice < 82) {
                            List<ConnectionKey> listed = store.keys();
                            if (new HashSet<>(listed).size() != listed.size()) {
                                problems.add("keys() listed a key twice: " + listed);
                            }
                        } else if (dice < 88) {
                            int count = store.count(pattern);
                            if (count < 0 || count > keySpace.size()) {
                                problems.add("count(" + pattern + ") = " + count);
                            }
                        } else if (dice < 94) {
                            store.get(key).ifPresent(c -> {
                                // A connection is never stored twice here, so it can only be under this key or gone.
                                if (store.keyOf(c).filter(k -> !k.equals(key)).isPresent()) {
                                    problems.add(c + " got under " + key + " but keyOf says another key");
                                }
                            });
                        } else if (!mine.isEmpty()) {
                            Connection connection = mine.get(random.nextInt(mine.size()));
                            store.keyOf(connection).ifPresent(k -> {
                                if (!keySpace.contains(k)) {
                                    problems.add("keyOf gave unknown key " + k);
                                }
                            });
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        runMaintenance();

        assertThat(problems).isEmpty();
        assertThat(created).hasSizeGreaterThan(threads * opsPerThread / 4);

        List<ConnectionKey> keys = store.keys();
        assertThat(new HashSet<>(keys)).hasSameSizeAs(keys);
        assertThat(store.count(KeyPattern.all())).isEqualTo(keys.size());
        for (ConnectionKey key : keys) {
            Connection connection = store.get(key).orElseThrow();
            assertThat(store.keyOf(connection)).as("keyOf the connection under %s", key).contains(key);
        }
        for (KeyPattern pattern : patterns) {
            assertThat(store.keys(pattern)).containsExactlyInAnyOrderElementsOf(
                    keys.stream().filter(pattern::matches).toList());
        }

        Map<Connection, Integer> removedTimes = new IdentityHashMap<>();
        for (RecordingListener.Removal removal : removals.all()) {
            removedTimes.merge(removal.connection(), 1, Integer::sum);
        }
        assertThat(removedTimes.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toList())).as("connections reported removed more than once").isEmpty();
        int stored = 0;
        for (Connection connection : created) {
            Optional<ConnectionKey> key = store.keyOf(connection);
            int removed = removedTimes.getOrDefault(connection, 0);
            if (key.isPresent()) {
                stored++;
                assertThat(store.get(key.get())).as("get(keyOf(%s))", connection).containsSame(connection);
                assertThat(removed).as("removals of stored %s", connection).isZero();
            } else {
                assertThat(removed).as("removals of gone %s", connection).isEqualTo(1);
            }
        }
        assertThat(stored).isEqualTo(keys.size());
        assertThat(removals.all()).hasSize(created.size() - stored);
        assertConsistent();
    }

    /**
     * Regression: a key replaced, or purged and stored again, while a listing walked the index or the map was
     * listed twice, so a broadcast over {@code keys(pattern)} reached its connection twice and counted it twice.
     */
    @Test
    @Timeout(60)
    public void keys_whileKeysReplacedConcurrently_neverListKeyTwice() throws Exception {
        List<ConnectionKey> lobby = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lobby.add(ConnectionKey.of("s" + i % 2, "lobby", "u" + i));
            store.store(lobby.get(i), newConnection());
        }
        KeyPattern byCategory = KeyPattern.all().withCategory("lobby");
        KeyPattern byScope = KeyPattern.all().withScope("s1");
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch writersDone = new CountDownLatch(2);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int w = 0; w < 2; w++) {
                Random random = new Random(7L + w);
                boolean purgeFirst = w == 1;
                writers.submit(() -> {
                    try {
                        for (int op = 0; op < 100_000; op++) {
                            ConnectionKey key = lobby.get(random.nextInt(lobby.size()));
                            if (purgeFirst) {
                                store.purge(key);
                            }
                            store.store(key, newConnection());
                        }
                    } finally {
                        writersDone.countDown();
                    }
                });
            }
            while (writersDone.getCount() > 0 && problems.size() < 10) {
                checkNoDuplicates("keys(lobby)", store.keys(byCategory), problems);
                checkNoDuplicates("keys(s1)", store.keys(byScope), problems);
                checkNoDuplicates("keys()", store.keys(), problems);
                int count = store.count(byCategory);
                if (count > lobby.size()) {
                    problems.add("count(lobby) = " + count + " with " + lobby.size() + " keys");
                }
            }
        } finally {
            writers.shutdownNow();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(problems).isEmpty();
        assertThat(store.keys()).containsExactlyInAnyOrderElementsOf(lobby);
        assertConsistent();
    }

    private static void checkNoDuplicates(String what, List<ConnectionKey> listed, Queue<String> problems) {
        if (new HashSet<>(listed).size() != listed.size()) {
            problems.add(what + " listed a key twice: " + listed);
        }
    }

    // ---------------------------------------------------------------- listeners

    @Test
    public void throwingListener_doesNotStopOthersNorReachCaller() {
        ConnectionStore fresh = newStore();
        RecordingListener before = new RecordingListener();
        RecordingListener after = new RecordingListener();
        fresh.addRemovalListener(before);
        fresh.addRemovalListener((key, connection, cause) -> {
            throw new IllegalStateException("listener failure, on purpose");
        });
        fresh.addRemovalListener(after);
        Connection replaced = newConnection();
        Connection purgedByKey = newConnection();
        Connection purgedByConnection = newConnection();
        fresh.store(ALICE, replaced);

        assertThatNoException().isThrownBy(() -> {
            fresh.store(ALICE, purgedByKey);
            fresh.purge(ALICE);
            fresh.store(BOB, purgedByConnection);
            fresh.purge(purgedByConnection, EvictionCause.CLOSED);
        });

        List<RecordingListener.Removal> expected = List.of(
                new RecordingListener.Removal(ALICE, replaced, EvictionCause.REPLACED),
                new RecordingListener.Removal(ALICE, purgedByKey, EvictionCause.EXPLICIT),
                new RecordingListener.Removal(BOB, purgedByConnection, EvictionCause.CLOSED));
        assertThat(before.all()).containsExactlyElementsOf(expected);
        assertThat(after.all()).containsExactlyElementsOf(expected);
        assertThat(fresh.keys()).isEmpty();
    }

    @Test
    public void listenerCallingBackIntoStore_seesRemovalDone() {
        List<Boolean> stillThere = new ArrayList<>();
        List<List<ConnectionKey>> remaining = new ArrayList<>();
        store.addRemovalListener((key, connection, cause) -> {
            stillThere.add(store.keyOf(connection).isPresent());
            remaining.add(store.keys());
        });
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());

        store.purge(ALICE);

        assertThat(stillThere).containsExactly(false);
        assertThat(remaining).containsExactly(List.of(BOB));
    }
}
