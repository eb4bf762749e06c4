package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The secondary indexes of a store: for each key part, the connections whose key has that part; and the reverse
 * index from connection to key.
 *
 * <p>Entries are per connection, not per key, so removing an old connection never disturbs a newer one stored
 * under the same key, whatever order a cache reports the two in. Thread-safe; callers serialize the changes for
 * one connection (a store does them inside its map's per-key compute).
 */
final class ConnectionIndex {

    /**
     * Bucket values are a {@link Connection} while the part has one connection (the usual case for ids), and a
     * concurrent set from the second on: a set per unique id would cost about 200 bytes per connection.
     */
    private final Map<String, Object> byScope = new ConcurrentHashMap<>();
    private final Map<String, Object> byCategory = new ConcurrentHashMap<>();
    private final Map<String, Object> byId = new ConcurrentHashMap<>();
    private final Map<Connection, ConnectionKey> keys = new ConcurrentHashMap<>();
    private final LongAdder removals = new LongAdder();

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
            // After the change: a reader that sees the same count before and after its walk saw no removal.
            removals.increment();
        }
    }

    /**
     * How many removals have completed. A walk during which this did not change cannot have met one key under two
     * connections (that takes a removal and a new store under the same key), so it needs no de-duplication.
     */
    long removals() {
        return removals.sum();
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

    private static Collection<Connection> narrower(Collection<Connection> best, Map<String, Object> index,
                                                   KeyPattern.Segment segment) {
        if (!(segment instanceof KeyPattern.Literal literal)) {
            return best;
        }
        Collection<Connection> bucket = bucket(index.get(literal.value()));
        return best == null || bucket.size() < best.size() ? bucket : best;
    }

    @SuppressWarnings("unchecked")
    private static Collection<Connection> bucket(Object value) {
        if (value == null) {
            return Set.of();
        }
        return value instanceof Connection single ? List.of(single) : (Set<Connection>) value;
    }

    @SuppressWarnings("unchecked")
    private static void add(Map<String, Object> index, String part, Connection connection) {
        index.compute(part, (p, value) -> {
            if (value == null) {
                return connection;
            }
            if (value instanceof Connection single) {
                Set<Connection> set = ConcurrentHashMap.newKeySet();
                set.add(single);
                set.add(connection);
                return set;
            }
            ((Set<Connection>) value).add(connection);
            return value;
        });
    }

    @SuppressWarnings("unchecked")
    private static void remove(Map<String, Object> index, String part, Connection connection) {
        index.computeIfPresent(part, (p, value) -> {
            if (value instanceof Connection single) {
                return single == connection ? null : single;
            }
            Set<Connection> set = (Set<Connection>) value;
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
        return view(byScope);
    }

    Map<String, Set<Connection>> categories() {
        return view(byCategory);
    }

    Map<String, Set<Connection>> ids() {
        return view(byId);
    }

    private static Map<String, Set<Connection>> view(Map<String, Object> index) {
        Map<String, Set<Connection>> out = new java.util.HashMap<>();
        index.forEach((part, value) -> out.put(part, Set.copyOf(bucket(value))));
        return out;
    }
}
