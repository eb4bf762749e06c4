package dev.sfere.spi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;

/**
 * Told of every connection that leaves a {@link ConnectionStore}.
 *
 * <p>A store calls its listeners exactly once per removal, after the removal is visible to other threads, and
 * never while holding a lock of its own, so a listener may call back into the store. Listeners are called on the
 * thread that caused the removal, or for expiry and size eviction on the store's maintenance thread; they may be
 * called concurrently and should not block.
 */
@FunctionalInterface
public interface RemovalListener {

    /**
     * Called after {@code connection} left the store.
     *
     * @param key        the key it was stored under
     * @param connection the connection that left
     * @param cause      why it left
     */
    void onRemoval(ConnectionKey key, Connection connection, EvictionCause cause);
}
