package dev.sfere;

import java.util.Objects;

/**
 * CDI event fired exactly once for every connection that leaves the store, after it has left. Its stream is closed
 * as the event fires: on a delivery thread, since a runtime may block in closing a stream whose client stopped
 * reading, so the stream may still be open while observers run; at shutdown, on the thread that fires the event.
 * A stream whose resource method (or an observer of {@link SfereConnected}) threw is left to the runtime,
 * which answers the request with the error.
 *
 * <p>Observers run synchronously on the thread that caused the removal: the caller's for
 * {@link EvictionCause#EXPLICIT} and {@link EvictionCause#REPLACED}; the sender's for {@link EvictionCause#SLOW};
 * for {@link EvictionCause#CLOSED}, the thread whose write failed (a delivery thread, or the request thread while the
 * resource method runs), the runtime's I/O thread, or the request thread whose resource method threw; the store's
 * maintenance executor for {@link EvictionCause#EXPIRED} and {@link EvictionCause#SIZE}; and for
 * {@link EvictionCause#SHUTDOWN} the container's shutdown thread, or the library's {@code sfere-shutdown} thread when
 * the JVM is stopped (or, for a stream opened after shutdown began, its request thread). The removed key is no
 * longer in the store, so an observer may broadcast to the remaining connections, for example to say who left.
 * Observers should not block.
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
