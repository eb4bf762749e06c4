package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The secondary indexes of a store: for each key position (scope, category, id), a {@link Position} holding the
 * connections whose key has a given part there; and, on each connection, the store's {@link Held} record of it,
 * which holds its key (see {@link Claims}), so the key of a connection costs no map of its own.
 *
 * <p>Entries are per connection, not per key, so removing an old connection never disturbs a newer one stored
 * under the same key, whatever order a cache reports the two in. Thread-safe; callers serialize the changes for
 * one key (a store does them inside its map's per-key compute), and a connection is stored under one key at a time.
 *
 * <p>A part's bucket holds each connection together with its record, so a walk reads keys straight from the bucket
 * it walks. Adding to and removing from a bucket that already holds several connections takes no lock on the part's
 * index: see {@link Bucket}.
 *
 * <p>A position's index is built the first time a pattern with a literal in that position is looked up, and kept
 * up to date from then on, so an application that never looks up by id, say, does not pay for an id index on every
 * store and removal. A position where every connection has the same part (one scope for the whole application,
 * say) is not built at all while that lasts: its one bucket would hold every connection and narrow no search. See
 * {@link Position}.
 */
final class ConnectionIndex {

    final Position byScope = new Position(this, ConnectionKey::scope);
    final Position byCategory = new Position(this, ConnectionKey::category);
    final Position byId = new Position(this, ConnectionKey::id);
    private final Position[] positions = {byScope, byCategory, byId};
    /** The store's map, which a position's scan and build read. */
    final Map<ConnectionKey, Connection> stored;
    private final LongAdder removals = new LongAdder();

    /** Serializes a connection's index changes with the build of a position, while one is being built. */
    private final Object[] stripes = new Object[64];

    {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * An index of the connections of a store.
     *
     * @param stored the store's map from key to connection, read when a position's index is built
     */
    ConnectionIndex(Map<ConnectionKey, Connection> stored) {
        this.stored = stored;
    }

    /**
     * The record this index keeps on a connection, or null if the connection is not held here.
     *
     * @param connection a connection
     * @return its record, or null
     */
    Held held(Connection connection) {
        return Claims.heldBy(connection, this);
    }

    /**
     * The record of a connection that the store's map gives under a key, if this index holds it under that key;
     * null if not, as while its removal is under way (the record is cleared before the map entry goes).
     */
    Held heldUnder(ConnectionKey key, Connection connection) {
        Held held = held(connection);
        return held != null && held.key.equals(key) ? held : null;
    }

    /** The lock that serializes a connection's index changes with a position's build. */
    Object stripe(Connection connection) {
        return stripes[System.identityHashCode(connection) & (stripes.length - 1)];
    }

    /**
     * Adds a claimed connection to the position indexes kept; call inside the store's compute for its key.
     *
     * @return the positions (bits 0 to 2) not kept by this change, which the store hands to {@link #settle}
     */
    int add(Held held, Connection connection) {
        int off = 0;
        for (int i = 0; i < positions.length; i++) {
            if (!positions[i].update(held, connection, true)) {
                off |= 1 << i;
            }
        }
        return off;
    }

    /**
     * After the store's compute that added a connection, outside it: settles the positions that {@link #add} did not
     * change (see {@link Position#settle}).
     *
     * @param off what {@link #add} returned
     * @return the positions the store should hand to {@link #catchUp}, inside a compute for the key; usually none
     */
    int settle(Held held, int off) {
        int pending = 0;
        for (int i = 0; i < positions.length; i++) {
            if ((off & (1 << i)) != 0 && positions[i].settle(held)) {
                pending |= 1 << i;
            }
        }
        return pending;
    }

    /**
     * Adds a connection to every position index begun since {@link #add}; call inside a compute for its key that
     * finds the connection still stored. Adding a connection the build added already changes nothing.
     *
     * @param pending what {@link #settle} returned
     */
    void catchUp(Held held, Connection connection, int pending) {
        for (int i = 0; i < positions.length; i++) {
            if ((pending & (1 << i)) != 0) {
                positions[i].catchUp(held, connection);
            }
        }
    }

    /**
     * Takes a connection out of the indexes and clears its record, if it is held here under the key. The record
     * reads as leaving meanwhile (see {@link Claims#leaving}): no build adds the connection once the removal has
     * begun, and no store claims it before the removal is done.
     *
     * @return true if it was
     */
    boolean remove(ConnectionKey key, Connection connection) {
        Held held = held(connection);
        if (held == null || !held.key.equals(key) || !Claims.leaving(connection, held)) {
            return false;
        }
        try {
            for (Position position : positions) {
                position.update(held, connection, false);
            }
        } finally {
            Claims.left(connection);
        }
        // After the change: a reader that sees the same count before and after its walk saw no removal.
        removals.increment();
        return true;
    }

    /**
     * How many removals have completed. A walk during which this did not change cannot have met one key under two
     * connections (that takes a removal and a new store under the same key), so it needs no de-duplication.
     */
    long removals() {
        return removals.sum();
    }

    /** The key a connection is held under here, or null. */
    ConnectionKey keyOf(Connection connection) {
        Held held = held(connection);
        return held == null ? null : held.key;
    }

    /** Whether a pattern has a literal, so {@link #forEachCandidate} can narrow the search. */
    static boolean hasLiteral(KeyPattern pattern) {
        return literals(pattern) > 0;
    }

    private static int literals(KeyPattern pattern) {
        return (pattern.scope() instanceof KeyPattern.Literal ? 1 : 0)
                + (pattern.category() instanceof KeyPattern.Literal ? 1 : 0)
                + (pattern.id() instanceof KeyPattern.Literal ? 1 : 0);
    }

    /**
     * Visits the indexed connections whose key matches a pattern that has a literal, walking the bucket of its
     * rarest literal. When that literal is the pattern's only one, every connection of the bucket matches and no key
     * is compared. When every literal is the sole part of a uniform position, no bucket narrows the search, and the
     * store's map is walked instead, comparing keys.
     *
     * @param pattern a pattern with at least one literal
     * @param visitor told each matching connection's record and the connection
     */
    void forEachCandidate(KeyPattern pattern, BiConsumer<Held, Connection> visitor) {
        Candidates candidates = narrowest(pattern);
        if (candidates == Candidates.Unbucketed.NONE) {
            return;
        }
        if (candidates == Candidates.Unbucketed.WHOLE_STORE) {
            stored.forEach((key, connection) -> {
                Held held = heldUnder(key, connection);
                if (held != null && pattern.matches(key)) {
                    visitor.accept(held, connection);
                }
            });
            return;
        }
        boolean compare = literals(pattern) > 1;
        if (candidates instanceof Candidates.One one) {
            Held held = held(one.connection());
            if (held != null && (!compare || pattern.matches(held.key))) {
                visitor.accept(held, one.connection());
            }
            return;
        }
        ConcurrentHashMap<Connection, Held> connections = ((Bucket) candidates).connections;
        if (compare) {
            connections.forEach((connection, held) -> {
                if (pattern.matches(held.key)) {
                    visitor.accept(held, connection);
                }
            });
        } else {
            connections.forEach((connection, held) -> visitor.accept(held, connection));
        }
    }

    /**
     * How many connections match a pattern with exactly one literal, read from the size of that literal's bucket;
     * -1 for any other pattern, and for the sole part of a uniform position, which has no bucket: such a count has
     * to walk.
     */
    int countOfSingleLiteral(KeyPattern pattern) {
        return literals(pattern) == 1 ? narrowest(pattern).size() : -1;
    }

    /**
     * The connections of the pattern's rarest literal: {@code NONE} as soon as a literal has no connection (later
     * positions are then not readied), {@code WHOLE_STORE} if no literal has a bucket (each is the sole part of a
     * uniform position).
     */
    private Candidates narrowest(KeyPattern pattern) {
        Candidates best = narrower(Candidates.Unbucketed.WHOLE_STORE, byScope, pattern.scope());
        best = narrower(best, byCategory, pattern.category());
        return narrower(best, byId, pattern.id());
    }

    private static Candidates narrower(Candidates best, Position position, KeyPattern.Segment segment) {
        if (best == Candidates.Unbucketed.NONE || !(segment instanceof KeyPattern.Literal literal)) {
            return best;
        }
        Candidates found = position.candidates(literal.value());
        if (found == Candidates.Unbucketed.WHOLE_STORE) {
            // Every connection has the sole part, so it narrows nothing.
            return best;
        }
        return found == Candidates.Unbucketed.NONE || best == Candidates.Unbucketed.WHOLE_STORE
                || found.size() < best.size() ? found : best;
    }
}
