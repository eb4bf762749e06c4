package dev.sfere.store;

import dev.sfere.internal.StoreSlots;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The secondary indexes of a store: for each key position (scope, category, id), the connections whose key has a
 * given part there; and, on each connection, the store's {@link Held} record of it, which holds its key (see
 * {@link dev.sfere.internal.StoreSlots}), so the key of a connection costs no map of its own.
 *
 * <p>Entries are per connection, not per key, so removing an old connection never disturbs a newer one stored
 * under the same key, whatever order a cache reports the two in. Thread-safe; callers serialize the changes for
 * one key (a store does them inside its map's per-key compute), and a connection is stored under one key at a time.
 *
 * <p>A part's bucket holds each connection together with its key, so a walk reads keys straight from the bucket
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

    /** Stands for the bucket of a literal no connection has, which no other bucket can beat. */
    private static final Object EMPTY = new Object();

    /**
     * A connection's record while its removal takes it out of the position indexes. Not a {@link Held}, so a build
     * skips the connection as it would one with no record; and not null, so the connection cannot be claimed for
     * another key until its removal is done with the parts both keys may share.
     */
    private static final Object LEAVING = new Object();

    private final Position byScope = new Position("scope", ConnectionKey::scope);
    private final Position byCategory = new Position("category", ConnectionKey::category);
    private final Position byId = new Position("id", ConnectionKey::id);
    private final Position[] positions = {byScope, byCategory, byId};
    /** The store's map, which a position's build reads. */
    private final Map<ConnectionKey, Connection> stored;
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
     * A store's record of a connection it holds, kept on the connection: the index it belongs to and the key. A
     * connection's buckets map it to this record too, so a walk reads keys from the bucket. Compared by identity.
     */
    static class Held {
        final ConnectionIndex owner;
        final ConnectionKey key;

        Held(ConnectionIndex owner, ConnectionKey key) {
            this.owner = owner;
            this.key = key;
        }
    }

    /**
     * The index of one key position, {@code OFF} until a lookup needs it.
     *
     * <p>The first lookup first scans the store's map ({@code SCANNING}): if every connection has the same part
     * there, the position becomes {@code UNIFORM} and keeps no buckets; that part is its {@code sole} part (none yet
     * if the store was empty: the next store makes its part the sole one). Stores do nothing for a uniform position
     * beyond comparing their part with the sole one, after their compute, and removals nothing at all. A lookup of
     * the sole part has to read the store's map, which is what the sole part's bucket would have held; of another
     * part, it finds nothing. The first store of a different part builds the index (below) before it returns.
     * During the scan, stores offer their part too: the scan sets {@code mixed} if any part differs, and after
     * switching to {@code UNIFORM} reads it again, while a store that set it reads the state again; so either the
     * scan sees the different part and builds, or the store sees the position uniform and builds.
     *
     * <p>Building switches it to {@code BUILDING}, then reads the store's map and adds each connection that is still
     * held under the key the map gives for it, holding the connection's stripe lock; then switches it {@code ON}
     * for lookups. While it is {@code BUILDING}, every store and removal changes it under the same stripe lock,
     * after setting or clearing the connection's record. A removal that still saw it not kept ({@code OFF},
     * {@code SCANNING} or {@code UNIFORM}) had cleared the record before the build began, so the build skips that
     * connection. A store that still saw it not kept may have put its entry in the map too late for the build to
     * read it; the store's {@link #settle} after its compute finds the build begun, and the store adds the
     * connection through {@link #catchUp}. Either way each connection ends up in the index exactly when it is held,
     * with its key.
     */
    private static final class Position {
        static final int OFF = 0;
        static final int SCANNING = 1;
        static final int UNIFORM = 2;
        static final int BUILDING = 3;
        static final int ON = 4;

        private static final AtomicReferenceFieldUpdater<Position, String> SOLE =
                AtomicReferenceFieldUpdater.newUpdater(Position.class, String.class, "sole");

        /**
         * Values are the {@link Connection} itself while the part has one connection (the usual case for ids), and
         * a {@link Bucket} from the second on: a map per unique id would cost about 200 bytes per connection.
         */
        final Map<String, Object> parts = new ConcurrentHashMap<>();
        final String name;
        final Function<ConnectionKey, String> part;
        volatile int state = OFF;
        /** While scanning or uniform: the part every connection has, or null before the first one. */
        volatile String sole;
        /** While scanning: set once a part other than the sole one was seen. */
        volatile boolean mixed;

        Position(String name, Function<ConnectionKey, String> part) {
            this.name = name;
            this.part = part;
        }

        /** Whether a part is the sole one, making it so if there is none yet. */
        boolean admits(String candidate) {
            String current = sole;
            if (current == null) {
                if (SOLE.compareAndSet(this, null, candidate)) {
                    return true;
                }
                current = sole;
            }
            return current.equals(candidate);
        }
    }

    /**
     * The connections of a part that has had two or more at once, each with its record.
     *
     * <p>{@code members} counts the connections that are in the bucket or about to be; it is set to {@code RETIRED}
     * when the bucket leaves its index, and never changes after that. An adder first takes a place in the count
     * (which fails once the bucket is retired) and only then puts the connection in; a remover takes it out, then
     * gives its place back, and the one that brings the count to zero retires the bucket and takes it out of the
     * index, inside the index's per-part compute and only if no adder took a place in between. So a bucket still in
     * its index is never retired, and a connection is never put into a bucket that has left it.
     */
    static final class Bucket {
        private static final int RETIRED = Integer.MIN_VALUE;

        final ConcurrentHashMap<Connection, Held> connections = new ConcurrentHashMap<>();
        private final AtomicInteger members = new AtomicInteger();

        /** Takes a place for a connection about to be put in; false if the bucket is retired. */
        boolean enter() {
            for (;;) {
                int n = members.get();
                if (n == RETIRED) {
                    return false;
                }
                if (members.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        /** Gives back the place of a connection taken out; true if the bucket may now be empty. */
        boolean leave() {
            return members.decrementAndGet() == 0;
        }

        /** Retires the bucket if it is empty; call inside the index's compute for its part. */
        boolean retireIfEmpty() {
            return members.compareAndSet(0, RETIRED);
        }

        /**
         * How many connections the bucket holds. Never more than the number of keys under the part, since a store
         * takes a key's old connection out before it puts the new one in, and a connection already in the bucket is
         * not counted again.
         */
        int size() {
            return Math.max(members.get(), 0);
        }
    }

    /**
     * The record this index keeps on a connection, or null if the connection is not held here.
     *
     * @param connection a connection
     * @return its record, or null
     */
    Held held(Connection connection) {
        return StoreSlots.get(connection) instanceof Held held && held.owner == this ? held : null;
    }

    /**
     * The record of a connection that the store's map gives under a key, if this index holds it under that key;
     * null if not, as while its removal is under way (the record is cleared before the map entry goes).
     */
    private Held heldUnder(ConnectionKey key, Connection connection) {
        Held held = held(connection);
        return held != null && held.key.equals(key) ? held : null;
    }

    /**
     * Claims a connection for a key, before the store's compute adds it: sets the record unless the connection
     * already has one. Waits while a removal of the connection is under way, which takes a moment: storing it
     * meanwhile could put it in a part's bucket that the removal then takes it out of.
     *
     * @return null once claimed, or the record the connection already had (this index's or another store's)
     */
    Object claim(Connection connection, Held record) {
        for (int spins = 0; ; spins++) {
            if (StoreSlots.replace(connection, null, record)) {
                return null;
            }
            Object existing = StoreSlots.get(connection);
            if (existing == LEAVING) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    // The removing thread may be waiting for a core.
                    Thread.yield();
                }
            } else if (existing != null) {
                return existing;
            }
        }
    }

    /** Gives up a claim whose store did not happen. */
    void unclaim(Connection connection, Held record) {
        StoreSlots.replace(connection, record, null);
    }

    /**
     * Adds a claimed connection to the position indexes kept; call inside the store's compute for its key.
     *
     * @return the positions (bits 0 to 2) not kept by this change, which the store hands to {@link #settle}
     */
    int add(Held held, Connection connection) {
        int off = 0;
        for (int i = 0; i < positions.length; i++) {
            if (!update(positions[i], held, connection, true)) {
                off |= 1 << i;
            }
        }
        return off;
    }

    /**
     * After the store's compute that added a connection, outside it: settles the positions that {@link #add} did not
     * change. A position still off needs nothing (its scan or build will read the store's map, which now holds the
     * connection); a position being scanned is offered the connection's part; a uniform position whose sole part
     * differs from the connection's is built now; and a position that began its build since {@link #add} may have
     * read the map before the connection was in it, so it is left for {@link #catchUp}.
     *
     * @param off what {@link #add} returned
     * @return the positions the store should hand to {@link #catchUp}, inside a compute for the key; usually none
     */
    int settle(Held held, int off) {
        int pending = 0;
        for (int i = 0; i < positions.length; i++) {
            if ((off & (1 << i)) == 0) {
                continue;
            }
            Position position = positions[i];
            String part = null;
            for (;;) {
                int state = position.state;
                if (state == Position.OFF) {
                    break;
                }
                if (state >= Position.BUILDING) {
                    pending |= 1 << i;
                    break;
                }
                if (part == null) {
                    part = position.part.apply(held.key);
                }
                if (state == Position.SCANNING) {
                    if (!position.admits(part)) {
                        position.mixed = true;
                    }
                    if (position.state == Position.SCANNING) {
                        // The scan reads the flag after it leaves SCANNING, so it will see this part.
                        break;
                    }
                } else if (position.admits(part)) {
                    break;
                } else {
                    build(position);
                }
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
            Position position = positions[i];
            if ((pending & (1 << i)) != 0) {
                synchronized (stripe(connection)) {
                    change(position, held, connection, true, true);
                }
            }
        }
    }

    /**
     * Takes a connection out of the indexes and clears its record, if it is held here under the key. The record
     * reads {@code LEAVING} meanwhile: no build adds the connection once the removal has begun, and no store claims
     * it before the removal is done.
     *
     * @return true if it was
     */
    boolean remove(ConnectionKey key, Connection connection) {
        Held held = held(connection);
        if (held == null || !held.key.equals(key) || !StoreSlots.replace(connection, held, LEAVING)) {
            return false;
        }
        try {
            for (Position position : positions) {
                update(position, held, connection, false);
            }
        } finally {
            StoreSlots.replace(connection, LEAVING, null);
        }
        // After the change: a reader that sees the same count before and after its walk saw no removal.
        removals.increment();
        return true;
    }

    /**
     * Adds a connection to, or removes it from, one position's index: nothing while the position is off, under the
     * connection's stripe lock while it is being built. Call after setting or clearing the connection's record.
     *
     * @return false if the position was not kept (off, being scanned, or uniform)
     */
    private boolean update(Position position, Held held, Connection connection, boolean adding) {
        int state = position.state;
        if (state == Position.ON) {
            // Built before this change began, so the build cannot have added the connection: no need to look.
            change(position, held, connection, adding, false);
        } else if (state == Position.BUILDING) {
            synchronized (stripe(connection)) {
                change(position, held, connection, adding, true);
            }
        }
        return state >= Position.BUILDING;
    }

    private void change(Position position, Held held, Connection connection, boolean adding, boolean mayBeThere) {
        String part = position.part.apply(held.key);
        if (adding) {
            add(position.parts, part, held, connection, mayBeThere);
        } else {
            remove(position.parts, part, connection);
        }
    }

    private Object stripe(Connection connection) {
        return stripes[System.identityHashCode(connection) & (stripes.length - 1)];
    }

    /**
     * Readies a position for lookups, scanning it first if no lookup has needed it yet.
     *
     * @return {@code UNIFORM} or {@code ON}
     */
    private int ready(Position position) {
        for (;;) {
            int state = position.state;
            if (state == Position.UNIFORM || state == Position.ON) {
                return state;
            }
            // Off, or being scanned or built by another thread, which holds the lock until it is done.
            synchronized (position) {
                if (position.state == Position.OFF) {
                    scan(position);
                }
            }
        }
    }

    /** Finds out whether every connection has the same part; builds the position if not. Holds its lock. */
    private void scan(Position position) {
        position.state = Position.SCANNING;
        stored.forEach((key, connection) -> {
            if (!position.mixed && heldUnder(key, connection) != null
                    && !position.admits(position.part.apply(key))) {
                position.mixed = true;
            }
        });
        if (!position.mixed) {
            position.state = Position.UNIFORM;
            // A store that offered a different part before the switch set the flag; one after it builds itself.
            if (!position.mixed) {
                return;
            }
        }
        buildHolding(position);
    }

    /** Builds a uniform position's index, for a store whose part is not the sole one. */
    private void build(Position position) {
        synchronized (position) {
            if (position.state == Position.UNIFORM) {
                buildHolding(position);
            }
        }
    }

    /** Builds a position's index from the store's map, holding the position's lock. */
    private void buildHolding(Position position) {
        position.state = Position.BUILDING;
        stored.forEach((key, connection) -> {
            synchronized (stripe(connection)) {
                Held held = heldUnder(key, connection);
                if (held != null) {
                    add(position.parts, position.part.apply(key), held, connection, true);
                }
            }
        });
        position.state = Position.ON;
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
        Object bucket = narrowest(pattern);
        if (bucket == EMPTY) {
            return;
        }
        if (bucket == null) {
            stored.forEach((key, connection) -> {
                Held held = heldUnder(key, connection);
                if (held != null && pattern.matches(key)) {
                    visitor.accept(held, connection);
                }
            });
            return;
        }
        boolean compare = literals(pattern) > 1;
        if (bucket instanceof Connection single) {
            Held held = held(single);
            if (held != null && (!compare || pattern.matches(held.key))) {
                visitor.accept(held, single);
            }
            return;
        }
        ConcurrentHashMap<Connection, Held> connections = ((Bucket) bucket).connections;
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
        if (literals(pattern) != 1) {
            return -1;
        }
        Object bucket = narrowest(pattern);
        if (bucket == EMPTY) {
            return 0;
        }
        return bucket == null ? -1 : size(bucket);
    }

    /**
     * The bucket of the pattern's rarest literal: a {@link Connection} or a {@link Bucket}; {@code EMPTY} if a
     * literal has no connection; null if no literal has a bucket (each is the sole part of a uniform position).
     */
    private Object narrowest(KeyPattern pattern) {
        Object best = narrower(null, byScope, pattern.scope());
        best = narrower(best, byCategory, pattern.category());
        return narrower(best, byId, pattern.id());
    }

    private Object narrower(Object best, Position position, KeyPattern.Segment segment) {
        if (best == EMPTY || !(segment instanceof KeyPattern.Literal literal)) {
            return best;
        }
        if (ready(position) == Position.UNIFORM) {
            // Every connection has the sole part, so it narrows nothing; no connection has another one.
            return literal.value().equals(position.sole) ? best : EMPTY;
        }
        Object bucket = position.parts.get(literal.value());
        if (bucket == null) {
            return EMPTY;
        }
        return best == null || size(bucket) < size(best) ? bucket : best;
    }

    private static int size(Object bucket) {
        return bucket instanceof Bucket many ? many.size() : 1;
    }

    /**
     * Adds a connection to a part's bucket; adding one that is there already changes nothing.
     *
     * @param mayBeThere false if nobody else can have added the connection, which spares a look in the bucket
     */
    private void add(Map<String, Object> index, String part, Held held, Connection connection, boolean mayBeThere) {
        Object current = index.putIfAbsent(part, connection);
        if (current == null || current == connection) {
            return;
        }
        if (current instanceof Bucket bucket) {
            // The build of a position and the connection's own store may both add it: the later one finds it.
            if (mayBeThere && bucket.connections.containsKey(connection)) {
                return;
            }
            if (bucket.enter()) {
                if (bucket.connections.put(connection, held) != null) {
                    leave(index, part, bucket);
                }
                return;
            }
        }
        index.compute(part, (p, value) -> {
            if (value == null) {
                return connection;
            }
            if (value == connection) {
                return value;
            }
            // A bucket in the index is never retired: retiring takes it out in this same per-part compute.
            Bucket bucket = value instanceof Bucket many ? many : promote((Connection) value);
            if (bucket.connections.containsKey(connection)) {
                return bucket;
            }
            bucket.enter();
            if (bucket.connections.put(connection, held) != null && bucket.leave() && bucket.retireIfEmpty()) {
                return null;
            }
            return bucket;
        });
    }

    /** Gives back a place in a bucket, and takes the bucket out of its index if that emptied it. */
    private static void leave(Map<String, Object> index, String part, Bucket bucket) {
        if (bucket.leave()) {
            index.computeIfPresent(part, (p, value) -> value == bucket && bucket.retireIfEmpty() ? null : value);
        }
    }

    /** A bucket for a part that held a single connection, which it keeps unless that one is being removed. */
    private Bucket promote(Connection single) {
        Bucket bucket = new Bucket();
        Held held = held(single);
        if (held != null) {
            bucket.enter();
            bucket.connections.put(single, held);
        }
        // Else its removal has begun and will find it in no bucket of this part, which is what it would leave.
        return bucket;
    }

    private static void remove(Map<String, Object> index, String part, Connection connection) {
        Object current = index.get(part);
        if (current == connection && index.remove(part, connection)) {
            return;
        }
        if (current instanceof Bucket bucket && bucket.connections.remove(connection) != null) {
            leave(index, part, bucket);
            return;
        }
        // The part's value changed since it was read: a single connection became a bucket.
        index.computeIfPresent(part, (p, value) -> {
            if (value instanceof Bucket bucket) {
                if (bucket.connections.remove(connection) != null && bucket.leave() && bucket.retireIfEmpty()) {
                    return null;
                }
                return bucket;
            }
            return value == connection ? null : value;
        });
    }

    /** For tests: the buckets by position (built first if need be), to check that emptied buckets are dropped. */
    Map<String, Set<Connection>> scopes() {
        return view(byScope);
    }

    Map<String, Set<Connection>> categories() {
        return view(byCategory);
    }

    Map<String, Set<Connection>> ids() {
        return view(byId);
    }

    /** For tests: the positions kept uniform, without buckets, among "scope", "category" and "id". */
    Set<String> uniform() {
        Set<String> out = new TreeSet<>();
        for (Position position : positions) {
            if (position.state == Position.UNIFORM) {
                out.add(position.name);
            }
        }
        return out;
    }

    /** For tests: the positions whose index is kept up to date, among "scope", "category" and "id". */
    Set<String> maintained() {
        Set<String> out = new TreeSet<>();
        for (Position position : positions) {
            if (position.state != Position.OFF) {
                out.add(position.name);
            }
        }
        return out;
    }

    /** A position's buckets, or for a uniform one, the bucket its sole part would have: the stored connections. */
    private Map<String, Set<Connection>> view(Position position) {
        Map<String, Set<Connection>> out = new HashMap<>();
        if (ready(position) == Position.UNIFORM) {
            stored.forEach((key, connection) -> {
                if (heldUnder(key, connection) != null) {
                    out.computeIfAbsent(position.part.apply(key), part -> new HashSet<>()).add(connection);
                }
            });
            return out;
        }
        position.parts.forEach((part, value) -> out.put(part,
                value instanceof Bucket many ? Set.copyOf(many.connections.keySet()) : Set.of((Connection) value)));
        return out;
    }
}
