package dev.sfere.spi;

import dev.sfere.internal.StoreSlots;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One registered SSE stream, as a {@link ConnectionStore} sees it: an opaque handle that the store keeps under a
 * key and compares by identity. The library makes the connections it stores; a store never needs to look inside
 * one.
 *
 * <p>A store's own tests may make handles of their own with {@code new Connection() {}}.
 *
 * <p>Thread-safe.
 */
public abstract class Connection {

    private static final AtomicReferenceFieldUpdater<Connection, Object> SLOT =
            AtomicReferenceFieldUpdater.newUpdater(Connection.class, Object.class, "slot");

    static {
        StoreSlots.install(new StoreSlots.Access() {
            @Override
            public Object get(Object connection) {
                return ((Connection) connection).slot;
            }

            @Override
            public boolean replace(Object connection, Object expected, Object record) {
                return SLOT.compareAndSet((Connection) connection, expected, record);
            }
        });
    }

    /**
     * The record of the library's store that holds this connection: its entry, so the key of a connection is found
     * in constant time without a map from connection to key. Reached only through {@link StoreSlots}.
     */
    private volatile Object slot;

    /** For the library's streams, and for a store's tests ({@code new Connection() {}}). */
    protected Connection() {
    }

    @Override
    public String toString() {
        return "Connection@" + Integer.toHexString(System.identityHashCode(this));
    }
}
