package dev.sfere.spi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;

import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Where connections live, by key. The library produces one as an {@code @ApplicationScoped} bean from
 * MicroProfile Config; an application may produce its own instead (see {@code dev.sfere.store.Stores}).
 *
 * <p>Every implementation must be thread-safe, must answer pattern lookups without scanning every key when the
 * pattern has a literal, must find the key of a connection in constant time, and must tell its
 * {@link RemovalListener}s of every removal exactly once.
 *
 * <p>Reads ({@link #get}, {@link #keys()}, {@link #keys(KeyPattern)}, {@link #count}, {@link #keyOf}) never count
 * as activity: they do not extend a sliding expiry. Only {@link #store} and {@link #touch} do.
 */
public interface ConnectionStore {

    /**
     * Stores a connection under a key. A different connection already there is removed with cause
     * {@link EvictionCause#REPLACED}. Storing the connection already under the key only counts as activity.
     *
     * @param key        the key
     * @param connection the connection
     * @return {@code connection}, for chaining
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the connection is stored under another key (purge it first), or is held
     *                                  by another store that keeps its record on the connection
     *                                  (the library's stores keep their entry on the connection)
     */
    Connection store(ConnectionKey key, Connection connection);

    /**
     * The connection under a key.
     *
     * @param key the exact key
     * @return the connection, or empty if none is stored (or it has expired)
     */
    Optional<Connection> get(ConnectionKey key);

    /**
     * Removes whatever connection is under a key.
     *
     * @param key   the key
     * @param cause the cause listeners are told
     * @return true if a connection was removed
     */
    boolean purge(ConnectionKey key, EvictionCause cause);

    /**
     * Removes a key with cause {@link EvictionCause#EXPLICIT}.
     *
     * @param key the key
     * @return true if a connection was removed
     */
    default boolean purge(ConnectionKey key) {
        return purge(key, EvictionCause.EXPLICIT);
    }

    /**
     * Removes a connection wherever it is stored. Unlike {@link #purge(ConnectionKey, EvictionCause)} this never
     * removes a newer connection that has since replaced it under the same key.
     *
     * @param connection the connection
     * @param cause      the cause listeners are told
     * @return true if the connection was in the store and was removed
     */
    boolean purge(Connection connection, EvictionCause cause);

    /**
     * Every key, in no particular order. The list is an unmodifiable snapshot.
     *
     * @return the keys
     */
    List<ConnectionKey> keys();

    /**
     * The keys that match a pattern, in no particular order. The list is an unmodifiable snapshot.
     *
     * @param pattern the pattern
     * @return the matching keys
     */
    List<ConnectionKey> keys(KeyPattern pattern);

    /**
     * Visits every stored key that matches a pattern, with its connection, without making a list first: what a
     * broadcast walks. Visiting is not activity and extends no lifetime. Keys stored or removed during the walk may
     * or may not be visited, and a key replaced during the walk may be visited with both its old and its new
     * connection.
     *
     * <p>The default goes through {@link #keys(KeyPattern)} and {@link #get(ConnectionKey)}; the library's stores
     * walk their index instead.
     *
     * @param pattern the pattern
     * @param action  called with each matching key and its connection; what it throws reaches the caller and ends
     *                the walk
     */
    default void forEach(KeyPattern pattern, BiConsumer<ConnectionKey, Connection> action) {
        java.util.Objects.requireNonNull(action, "action");
        for (ConnectionKey key : keys(pattern)) {
            get(key).ifPresent(connection -> action.accept(key, connection));
        }
    }

    /**
     * How many keys match a pattern. Keys stored or removed while it is counted may or may not be included, as for
     * {@link #forEach}.
     *
     * @param pattern the pattern
     * @return the count
     */
    int count(KeyPattern pattern);

    /**
     * The key a connection is stored under, found in constant time.
     *
     * @param connection the connection
     * @return its key, or empty if it is not in the store
     */
    Optional<ConnectionKey> keyOf(Connection connection);

    /**
     * Records activity on a key: with sliding expiry its idle time starts again. Does nothing with fixed expiry,
     * without expiry, or if the key is absent.
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     */
    void touch(ConnectionKey key);

    /**
     * Adds a listener told of every later removal.
     *
     * @param listener the listener
     */
    void addRemovalListener(RemovalListener listener);
}
