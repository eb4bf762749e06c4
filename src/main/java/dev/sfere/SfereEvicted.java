package dev.sfere;

import java.util.Objects;

/**
 * CDI event fired exactly once for every connection that leaves the store, after it has left and after its stream
 * has been closed.
 *
 * <p>Observers run synchronously on the thread that caused the removal: the request or broadcasting thread for
 * {@link EvictionCause#EXPLICIT}, {@link EvictionCause#REPLACED} and {@link EvictionCause#CLOSED}, the store's
 * maintenance thread for {@link EvictionCause#EXPIRED} and {@link EvictionCause#SIZE}, and the container's shutdown
 * thread for {@link EvictionCause#SHUTDOWN}. The removed key is no longer in the store, so an observer may
 * broadcast to the remaining connections, for example to say who left. Observers should not block.
 *
 * @param key   the key that was removed
 * @param cause why it was removed
 */
public record SfereEvicted(ConnectionKey key, EvictionCause cause) {

    /**
     * Creates the event.
     *
     * @param key   the key
     * @param cause the cause
     * @throws NullPointerException if an argument is null
     */
    public SfereEvicted {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(cause, "cause");
    }
}
