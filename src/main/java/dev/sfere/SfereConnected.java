package dev.sfere;

import java.util.Objects;

/**
 * CDI event fired after a connection has been registered under a key, before the resource method body runs.
 *
 * <p>Observers run synchronously on the request thread that registered the connection. They may send to the new
 * connection and to others through {@link Broadcaster}; what they send goes out after what a resuming stream
 * missed. Send a snapshot of the application's state only when {@link #resumption()} is not
 * {@link Resumption#RESUMED}: a resumed stream receives every event it missed instead.
 *
 * @param key        the key the connection was stored under
 * @param resumption whether the stream is new, resumed from the client's last event, or reset
 */
public record SfereConnected(ConnectionKey key, Resumption resumption) {

    /**
     * Creates the event.
     *
     * @param key        the key
     * @param resumption how the stream began
     * @throws NullPointerException if an argument is null
     */
    public SfereConnected {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(resumption, "resumption");
    }

    /**
     * The event for a new stream.
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     */
    public SfereConnected(ConnectionKey key) {
        this(key, Resumption.NEW);
    }
}
