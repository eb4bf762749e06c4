package dev.sfere;

import java.util.Objects;

/**
 * CDI event fired after a connection has been registered under a key, before the resource method body runs.
 *
 * <p>Observers run synchronously on the request thread that registered the connection. They may send to the new
 * connection and to others through {@link Broadcaster}.
 *
 * @param key the key the connection was stored under
 */
public record SfereConnected(ConnectionKey key) {

    /**
     * Creates the event.
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     */
    public SfereConnected {
        Objects.requireNonNull(key, "key");
    }
}
