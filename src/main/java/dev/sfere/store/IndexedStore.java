package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.spi.RemovalListener;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the two stores share: a concurrent map from key to connection, kept in step with a
 * {@link ConnectionIndex} by doing every index change inside the map's per-key {@code compute}, and removal
 * listeners told after the change, outside any lock.
 */
abstract class IndexedStore implements ConnectionStore {

    private static final Logger LOG = Logger.getLogger(IndexedStore.class.getName());

    final ConnectionIndex index = new ConnectionIndex();
    private final ConcurrentMap<ConnectionKey, Connection> map;
    private final List<RemovalListener> listeners = new CopyOnWriteArrayList<>();

    IndexedStore(ConcurrentMap<ConnectionKey, Connection> map) {
        this.map = map;
    }

    /** The connection under a key without counting as activity. */
    abstract Connection peek(ConnectionKey key);

    @Override
    public Connection store(ConnectionKey key, Connection connection) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(connection, "connection");
        Optional<ConnectionKey> existing = index.keyOf(connection);
        if (existing.isPresent()) {
            if (existing.get().equals(key)) {
                touch(key);
                return connection;
            }
            throw new IllegalArgumentException("connection is already stored under " + existing.get()
                    + "; purge it before storing it under " + key);
        }
        Connection[] replaced = new Connection[1];
        map.compute(key, (k, old) -> {
            if (old != null) {
                index.remove(k, old);
                replaced[0] = old;
            }
            index.add(k, connection);
            return connection;
        });
        if (replaced[0] != null) {
            notifyRemoval(key, replaced[0], EvictionCause.REPLACED);
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
        Connection[] removed = new Connection[1];
        map.computeIfPresent(key, (k, old) -> {
            index.remove(k, old);
            removed[0] = old;
            return null;
        });
        if (removed[0] == null) {
            return false;
        }
        notifyRemoval(key, removed[0], cause);
        return true;
    }

    @Override
    public boolean purge(Connection connection, EvictionCause cause) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(cause, "cause");
        ConnectionKey key = index.keyOf(connection).orElse(null);
        if (key == null) {
            return false;
        }
        boolean[] removed = new boolean[1];
        map.computeIfPresent(key, (k, current) -> {
            if (current != connection) {
                return current;
            }
            index.remove(k, current);
            removed[0] = true;
            return null;
        });
        if (removed[0]) {
            notifyRemoval(key, connection, cause);
        }
        return removed[0];
    }

    @Override
    public List<ConnectionKey> keys() {
        // Through a set: a key purged and stored again while the map is walked can be seen twice.
        return new ArrayList<>(new HashSet<>(map.keySet()));
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        return new ArrayList<>(matching(pattern));
    }

    @Override
    public int count(KeyPattern pattern) {
        return matching(pattern).size();
    }

    @Override
    public Optional<ConnectionKey> keyOf(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        // The index keeps an expired entry until maintenance; the map already hides it, so ask the map.
        return index.keyOf(connection).filter(key -> peek(key) == connection);
    }

    @Override
    public void addRemovalListener(RemovalListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The keys matching a pattern. A set, because a key replaced while its bucket is walked shows up once through
     * the old connection and once through the new one.
     */
    private Set<ConnectionKey> matching(KeyPattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        Set<ConnectionKey> out = new HashSet<>();
        if (pattern.isExact()) {
            ConnectionKey key = pattern.toKey();
            if (peek(key) != null) {
                out.add(key);
            }
            return out;
        }
        Collection<Connection> candidates = index.candidates(pattern);
        if (candidates == null) {
            for (ConnectionKey key : map.keySet()) {
                if (pattern.matches(key)) {
                    out.add(key);
                }
            }
            return out;
        }
        for (Connection candidate : candidates) {
            ConnectionKey key = index.matchingKey(candidate, pattern);
            if (key != null && peek(key) == candidate) {
                out.add(key);
            }
        }
        return out;
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
