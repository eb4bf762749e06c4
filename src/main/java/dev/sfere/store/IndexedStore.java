package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.spi.RemovalListener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the two stores share: a concurrent map from key to connection, kept in step with a
 * {@link ConnectionIndex} by doing every index change inside the map's per-key {@code compute}, and removal
 * listeners told after the change, outside any lock. A stored connection carries the store's record of it, with its
 * key (see {@link Claims}), so a store holds a connection under one key at a time and a
 * connection is held by one store at a time.
 */
abstract class IndexedStore implements ConnectionStore {

    private static final Logger LOG = Logger.getLogger(IndexedStore.class.getName());

    final ConnectionIndex index;
    private final ConcurrentMap<ConnectionKey, Connection> map;
    private final List<RemovalListener> listeners = new CopyOnWriteArrayList<>();

    IndexedStore(ConcurrentMap<ConnectionKey, Connection> map) {
        this.map = map;
        this.index = new ConnectionIndex(map);
    }

    /** A new record for a connection about to be stored under a key. */
    Held record(ConnectionKey key) {
        return new Held(index, key);
    }

    /** Called inside the compute that puts a connection in the map, with its record. */
    void entering(Held held) {
    }

    /**
     * Called after each of the store's own computes on the map, outside its locks, whether or not the compute
     * completed: a cache may have evicted an expired entry inside it.
     */
    void afterChange() {
    }

    /** The connection under a key without counting as activity. */
    abstract Connection peek(ConnectionKey key);

    /**
     * For a store that hides an expired entry before it removes it: removes the entry of a connection that its own
     * map no longer shows, if it has expired, telling the removal as an expiry.
     *
     * @param held       the connection's record, which the caller found on it
     * @param connection the connection
     * @return true if the connection no longer carries that record
     */
    boolean removeIfExpired(Held held, Connection connection) {
        return false;
    }

    /**
     * Whether the index holds exactly the map's live entries, so a walk of the index needs no check at all. True of
     * a plain map, whose index changes inside the same per-key compute; not of a cache, whose index keeps an
     * expired entry until the cache's maintenance removes it.
     */
    abstract boolean indexIsExact();

    /**
     * For a store whose index is not exact: the time a walk starts, in the store's clock.
     *
     * @return the time, passed to {@link #isLive}
     */
    long now() {
        return 0;
    }

    /**
     * For a store whose index is not exact: whether an indexed connection is still live at a time from
     * {@link #now}, judged from its record alone, without a lookup in the map.
     */
    boolean isLive(Held held, long now) {
        return true;
    }

    @Override
    public Connection store(ConnectionKey key, Connection connection) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(connection, "connection");
        Held held = record(key);
        Claim claim = Claims.claim(connection, held);
        if (claim != Claim.Outcome.CLAIMED) {
            if (claim instanceof Held mine) {
                if (peek(mine.key) != connection && removeIfExpired(mine, connection)) {
                    // Its entry had expired, hidden but not yet removed: now it is, and the connection is free.
                    return store(key, connection);
                }
                if (mine.key.equals(key)) {
                    touch(key);
                    return connection;
                }
                throw new IllegalArgumentException("connection is already stored under " + mine.key
                        + "; purge it before storing it under " + key);
            }
            throw new IllegalArgumentException("connection is already held by another store; purge it there before"
                    + " storing it under " + key);
        }
        Entering entry = new Entering(held, connection);
        try {
            map.compute(key, entry);
        } catch (RuntimeException | Error e) {
            Claims.unclaim(connection, held);
            throw e;
        } finally {
            afterChange();
        }
        int pending = entry.off == 0 ? 0 : index.settle(held, entry.off);
        if (pending != 0) {
            // A position index began its build during the compute and may have read the map without this entry.
            try {
                map.computeIfPresent(key, (k, current) -> {
                    if (current == connection) {
                        index.catchUp(held, connection, pending);
                    }
                    return current;
                });
            } finally {
                afterChange();
            }
        }
        if (entry.replaced != null) {
            notifyRemoval(key, entry.replaced, EvictionCause.REPLACED);
        }
        return connection;
    }

    @Override
    public Optional<Connection> get(ConnectionKey key) {
        Objects.requireNonNull(key, "key");
        return Optional.ofNullable(peek(key));
    }

    @Override
    public boolean purge(ConnectionKey key, EvictionCause cause) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(cause, "cause");
        Removal removal = new Removal(null);
        try {
            map.computeIfPresent(key, removal);
        } finally {
            afterChange();
        }
        if (removal.removed == null) {
            return false;
        }
        notifyRemoval(key, removal.removed, cause);
        return true;
    }

    @Override
    public boolean purge(Connection connection, EvictionCause cause) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(cause, "cause");
        ConnectionKey key = index.keyOf(connection);
        if (key == null) {
            return false;
        }
        Removal removal = new Removal(connection);
        try {
            map.computeIfPresent(key, removal);
        } finally {
            afterChange();
        }
        if (removal.removed == null) {
            return false;
        }
        notifyRemoval(key, connection, cause);
        return true;
    }

    /*
     * The map's computes for a store and a purge are objects that also carry their results out: one allocation per
     * call, where a capturing lambda and an array per result were two or three (store, get and purge of one key
     * allocated 223 bytes, now 129, against 32 for a bare map; docs/BENCHMARKS.md, section 3, change P).
     */

    /** Puts a connection under its key inside the map's compute, taking the key's old connection out first. */
    private final class Entering implements BiFunction<ConnectionKey, Connection, Connection> {
        private final Held held;
        private final Connection connection;
        /** The connection the key held before, if any. */
        Connection replaced;
        /** What {@link ConnectionIndex#add} returned: the positions it did not change. */
        int off;

        Entering(Held held, Connection connection) {
            this.held = held;
            this.connection = connection;
        }

        @Override
        public Connection apply(ConnectionKey key, Connection old) {
            // The old connection leaves the indexes before the new one enters them, so a position index being built
            // never sees two connections under one key.
            if (old != null) {
                index.remove(key, old);
                replaced = old;
            }
            entering(held);
            off = index.add(held, connection);
            return connection;
        }
    }

    /** Takes a key's connection out inside the map's compute: any connection, or only a given one. */
    private final class Removal implements BiFunction<ConnectionKey, Connection, Connection> {
        private final Connection only;
        /** The connection taken out, or null if none was. */
        Connection removed;

        Removal(Connection only) {
            this.only = only;
        }

        @Override
        public Connection apply(ConnectionKey key, Connection current) {
            if (only != null && current != only) {
                return current;
            }
            index.remove(key, current);
            removed = current;
            return null;
        }
    }

    @Override
    public List<ConnectionKey> keys() {
        return keys(KeyPattern.all());
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        return Collections.unmodifiableList(matching(pattern, true).keys);
    }

    @Override
    public int count(KeyPattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (indexIsExact() && !ConnectionIndex.hasLiteral(pattern)) {
            // Counted, not the map's own size: that sum is no snapshot, and while keys come and go it can count more
            // keys than the store ever held at once. The iterator meets a key twice only if it was removed and
            // stored again meanwhile, which the removal count shows; then the walk below de-duplicates.
            long before = index.removals();
            int count = 0;
            for (Iterator<ConnectionKey> keys = map.keySet().iterator(); keys.hasNext(); keys.next()) {
                count++;
            }
            if (index.removals() == before) {
                return count;
            }
        } else if (indexIsExact() && !pattern.isExact()) {
            // A bucket's member count is exact, so it is read.
            int count = index.countOfSingleLiteral(pattern);
            if (count >= 0) {
                return count;
            }
        }
        return matching(pattern, false).count;
    }

    @Override
    public Optional<ConnectionKey> keyOf(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        // A cache's index keeps an expired entry until maintenance; the map already hides it, so ask the map.
        ConnectionKey key = index.keyOf(connection);
        return key != null && peek(key) == connection ? Optional.of(key) : Optional.empty();
    }

    @Override
    public void addRemovalListener(RemovalListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** What a walk found: the keys (when asked for) and how many. */
    private record Found(List<ConnectionKey> keys, int count) {
    }

    /**
     * The keys matching a pattern, optimistically without a set: a key can show up twice only if it was removed and
     * stored again (under a new connection) while its bucket was walked, and then the index's removal count has
     * moved, so the walk is done again through a set.
     */
    private Found matching(KeyPattern pattern, boolean collect) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isExact()) {
            ConnectionKey key = pattern.toKey();
            boolean present = peek(key) != null;
            return new Found(present ? List.of(key) : List.of(), present ? 1 : 0);
        }
        long before = index.removals();
        if (collect && indexIsExact() && !ConnectionIndex.hasLiteral(pattern)) {
            // Every key matches: a copy of the map's key set is the answer, unless a removal meanwhile let its
            // iterator meet a key twice.
            List<ConnectionKey> all = new ArrayList<>(map.keySet());
            if (index.removals() == before) {
                return new Found(all, all.size());
            }
        }
        List<ConnectionKey> out = collect ? new ArrayList<>() : null;
        int count = walk(pattern, out == null ? (key, connection) -> { } : (key, connection) -> out.add(key));
        if (index.removals() == before) {
            return new Found(out, count);
        }
        Set<ConnectionKey> unique = new HashSet<>();
        walk(pattern, (key, connection) -> unique.add(key));
        return new Found(collect ? new ArrayList<>(unique) : null, unique.size());
    }

    @Override
    public void forEach(KeyPattern pattern, BiConsumer<ConnectionKey, Connection> action) {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(action, "action");
        if (pattern.isExact()) {
            ConnectionKey key = pattern.toKey();
            Connection connection = peek(key);
            if (connection != null) {
                action.accept(key, connection);
            }
            return;
        }
        walk(pattern, action);
    }

    private int walk(KeyPattern pattern, BiConsumer<ConnectionKey, Connection> sink) {
        if (!ConnectionIndex.hasLiteral(pattern)) {
            // Every key matches, and the map shows only live entries.
            Counter counter = new Counter(sink);
            map.forEach(counter);
            return counter.count;
        }
        boolean exact = indexIsExact();
        long now = exact ? 0 : now();
        Counter counter = new Counter(sink);
        index.forEachCandidate(pattern, (held, connection) -> {
            if (exact || isLive(held, now)) {
                counter.accept(held.key, connection);
            }
        });
        return counter.count;
    }

    /** Passes pairs on and counts them. */
    private static final class Counter implements BiConsumer<ConnectionKey, Connection> {
        private final BiConsumer<ConnectionKey, Connection> sink;
        int count;

        Counter(BiConsumer<ConnectionKey, Connection> sink) {
            this.sink = sink;
        }

        @Override
        public void accept(ConnectionKey key, Connection connection) {
            sink.accept(key, connection);
            count++;
        }
    }

    /** Tells every listener; one failing listener neither stops the others nor reaches the caller. */
    final void notifyRemoval(ConnectionKey key, Connection connection, EvictionCause cause) {
        for (RemovalListener listener : listeners) {
            try {
                listener.onRemoval(key, connection, cause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Sfere: a removal listener failed for " + key + " (" + cause + ")", e);
            }
        }
    }
}
