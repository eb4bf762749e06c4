package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The baseline: seed 000's algorithm ported to Java. Its stores keep a plain map from key to connection and answer
 * every pattern lookup by applying {@code match-key?} to every key ({@code (filter #(match-key? pattern %) (keys
 * m))}); they have no reverse index, so finding the key of a connection means walking the entries.
 *
 * <p>The seed's key is {@code [scope [category id]]} and its pattern {@code [p-scope p-inner]}, where either
 * position, or either half of the inner pair, may be the wildcard {@code :*}. {@link #matchKey} keeps that shape and
 * the order of its tests, clause for clause.
 */
public final class SeedScan {

    /** The seed's {@code :*} keyword: one value, compared by identity as Clojure compares keywords. */
    public static final Object WILDCARD = new Object() {
        @Override
        public String toString() {
            return ":*";
        }
    };

    /**
     * A seed pattern {@code [p-scope p-inner]}.
     *
     * @param scope the scope literal or {@link #WILDCARD}
     * @param inner an {@link Inner} or {@link #WILDCARD}
     */
    public record Pattern(Object scope, Object inner) {
    }

    /**
     * The inner pair of a seed pattern {@code [p-cat p-id]}.
     *
     * @param category the category literal or {@link #WILDCARD}
     * @param id       the id literal or {@link #WILDCARD}
     */
    public record Inner(Object category, Object id) {
    }

    private SeedScan() {
    }

    /**
     * The seed pattern for a Sfere pattern, in the seed's own shape: {@code [* *]} for "any category and any id".
     *
     * @param pattern the Sfere pattern
     * @return the seed pattern
     */
    public static Pattern of(KeyPattern pattern) {
        Object scope = literalOrWildcard(pattern.scope());
        Object category = literalOrWildcard(pattern.category());
        Object id = literalOrWildcard(pattern.id());
        Object inner = category == WILDCARD && id == WILDCARD ? WILDCARD : new Inner(category, id);
        return new Pattern(scope, inner);
    }

    private static Object literalOrWildcard(KeyPattern.Segment segment) {
        return segment instanceof KeyPattern.Literal literal ? literal.value() : WILDCARD;
    }

    /** {@code (defn wildcard? [x] (= :* x))}. */
    static boolean wildcard(Object x) {
        return WILDCARD == x;
    }

    /**
     * {@code match-key?} from the seed, clause for clause.
     *
     * @param pattern the pattern
     * @param key     the key
     * @return true if the key matches
     */
    public static boolean matchKey(Pattern pattern, ConnectionKey key) {
        Object pScope = pattern.scope();
        Object pInner = pattern.inner();
        return (wildcard(pScope) || pScope.equals(key.scope()))
                && (wildcard(pInner) || matchInner((Inner) pInner, key));
    }

    private static boolean matchInner(Inner pInner, ConnectionKey key) {
        Object pCat = pInner.category();
        Object pId = pInner.id();
        return (wildcard(pCat) || pCat.equals(key.category()))
                && (wildcard(pId) || pId.equals(key.id()));
    }

    /**
     * The seed's {@code list-keys} with a pattern: every key of the map tested with {@link #matchKey}.
     *
     * @param map     the store's map
     * @param pattern the pattern
     * @return the matching keys
     */
    public static List<ConnectionKey> listKeys(Map<ConnectionKey, ?> map, Pattern pattern) {
        List<ConnectionKey> out = new ArrayList<>();
        for (ConnectionKey key : map.keySet()) {
            if (matchKey(pattern, key)) {
                out.add(key);
            }
        }
        return out;
    }

    /**
     * The seed's {@code connection-count} with a pattern: {@code (count (list-keys s pattern))}.
     *
     * @param map     the store's map
     * @param pattern the pattern
     * @return how many keys match
     */
    public static int count(Map<ConnectionKey, ?> map, Pattern pattern) {
        return listKeys(map, pattern).size();
    }

    /**
     * What the seed leaves a caller who must purge a closed connection: walk the entries until the value is the
     * connection.
     *
     * @param map        the store's map
     * @param connection the connection
     * @return its key, or null
     */
    public static ConnectionKey keyOf(Map<ConnectionKey, Connection> map, Connection connection) {
        for (Map.Entry<ConnectionKey, Connection> entry : map.entrySet()) {
            if (entry.getValue() == connection) {
                return entry.getKey();
            }
        }
        return null;
    }
}
