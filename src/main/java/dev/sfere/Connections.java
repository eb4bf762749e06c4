package dev.sfere;

import java.util.List;

/**
 * This instance's open streams, by key: end one, mark one active, list and count them. Inject it where an
 * application ends a user's stream (a "leave" request, say) or asks who is connected here:
 * {@code @Inject Connections connections;}. For every instance's keys, use {@link Directory}.
 *
 * <p>Thread-safe. Every removal fires one {@link SfereEvicted}.
 */
public interface Connections {

    /**
     * Ends the stream under a key, with cause {@link EvictionCause#EXPLICIT}: it is closed and
     * {@link SfereEvicted} is fired.
     *
     * @param key the key
     * @return true if a stream was there and was removed
     * @throws NullPointerException if {@code key} is null
     */
    boolean purge(ConnectionKey key);

    /**
     * Marks the stream under a key as active: with sliding expiry ({@code sfere.store.expiry-mode=sliding}) its idle
     * time starts again. Does nothing if the key has no stream.
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     */
    void touch(ConnectionKey key);

    /**
     * Whether a stream is open under a key on this instance.
     *
     * @param key the key
     * @return true if there is one
     * @throws NullPointerException if {@code key} is null
     */
    boolean contains(ConnectionKey key);

    /**
     * How the stream open under a key on this instance began: new, resumed from the last event its client received,
     * or reset. A resource method that opens a stream asks this to send a snapshot of its state only to a stream
     * that needs one (not {@link Resumption#RESUMED}).
     *
     * @param key the key
     * @return how its stream began, or null if no stream is open under it here
     * @throws NullPointerException if {@code key} is null
     */
    Resumption resumption(ConnectionKey key);

    /**
     * The keys of this instance's streams that match a pattern, in no particular order; an unmodifiable snapshot.
     *
     * @param pattern the pattern
     * @return the keys
     * @throws NullPointerException if {@code pattern} is null
     */
    List<ConnectionKey> keys(KeyPattern pattern);

    /**
     * How many of this instance's streams match a pattern.
     *
     * @param pattern the pattern
     * @return the count
     * @throws NullPointerException if {@code pattern} is null
     */
    int count(KeyPattern pattern);
}
