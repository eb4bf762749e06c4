package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secondary indexes of a store: for each key part, the connections whose key has that part; and the reverse
 * index from connection to key.
 *
 * <p>Entries are per connection, not per key, so removing an old connection never disturbs a newer one stored
 * under the same key, whatever order a cache reports the two in. Thread-safe; callers serialize the changes for
 * one connection (a store does them inside its map's per-key compute).
 */
final class ConnectionIndex {

    private final Map<String, Set<Connection>> byScope = new ConcurrentHashMap<>();
    private final Map<String, Set<Connection>> byCategory = new ConcurrentHashMap<>();
    private final Map<String, Set<Connection>> byId = new ConcurrentHashMap<>();
    private final Map<Connection, ConnectionKey> keys = new ConcurrentHashMap<>();

    void add(ConnectionKey key, Connection connection) {
        keys.put(connection, key);
        add(byScope, key.scope(), connection);
        add(byCategory, key.category(), connection);
        add(byId, key.id(), connection);
    }

    void remove(ConnectionKey key, Connection connection) {
        if (keys.remove(connection, key)) {
            remove(byScope, key.scope(), connection);
            remove(byCategory, key.category(), connection);
            remove(byId, key.id(), connection);
        }
    }

    Optional<ConnectionKey> keyOf(Connection connection) {
        return Optional.ofNullable(keys.get(connection));
    }

    /**
     * The connections that may match a pattern: those under the rarest literal of the pattern, or null when the
     * pattern has no literal (every connection is a candidate).
     */
    Collection<Connection> candidates(KeyPattern pattern) {
        Collection<Connection> best = null;
        best = narrower(best, byScope, pattern.scope());
        best = narrower(best, byCategory, pattern.category());
        best = narrower(best, byId, pattern.id());
        return best;
    }

    /**
     * The key of a candidate, if the candidate is still indexed and its key matches the pattern.
     */
    ConnectionKey matchingKey(Connection candidate, KeyPattern pattern) {
        ConnectionKey key = keys.get(candidate);
        return key != null && pattern.matches(key) ? key : null;
    }

    private static Collection<Connection> narrower(Collection<Connection> best, Map<String, Set<Connection>> index,
                                                   KeyPattern.Segment segment) {
        if (!(segment instanceof KeyPattern.Literal literal)) {
            return best;
        }
        Set<Connection> set = index.getOrDefault(literal.value(), Set.of());
        return best == null || set.size() < best.size() ? set : best;
    }

    private static void add(Map<String, Set<Connection>> index, String part, Connection connection) {
        index.compute(part, (p, set) -> {
            Set<Connection> target = set != null ? set : ConcurrentHashMap.newKeySet();
            target.add(connection);
            return target;
        });
    }

    private static void remove(Map<String, Set<Connection>> index, String part, Connection connection) {
        index.computeIfPresent(part, (p, set) -> {
            set.remove(connection);
            return set.isEmpty() ? null : set;
        });
    }

    /** How many connections are indexed. */
    int size() {
        return keys.size();
    }

    /** For tests: the buckets by position, to check that emptied buckets are dropped. */
    Map<String, Set<Connection>> scopes() {
        return byScope;
    }

    Map<String, Set<Connection>> categories() {
        return byCategory;
    }

    Map<String, Set<Connection>> ids() {
        return byId;
    }
}
