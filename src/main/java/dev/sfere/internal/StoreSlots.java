package dev.sfere.internal;

import java.util.Objects;

/**
 * The one place on a {@link dev.sfere.spi.Connection} where the library's stores keep their entry for it, so that the key of a
 * connection is found in constant time with no map of its own. A connection has one such place, so it can be held
 * by at most one of the library's stores at a time.
 *
 * <p>Internal: not part of the API, and it may change in any release. Thread-safe: {@link #replace} is atomic.
 */
public final class StoreSlots {

    /** How this class reaches the slot, which {@link dev.sfere.spi.Connection} keeps private. */
    public interface Access {
        /**
         * Reads the slot.
         *
         * @param connection the connection
         * @return the record, or null
         */
        Object get(Object connection);

        /**
         * Sets the slot if it still holds {@code expected}.
         *
         * @param connection the connection
         * @param expected   the record the caller saw, compared by identity; null for none
         * @param record     the new record, or null to clear it
         * @return true if it was {@code expected} and is now {@code record}
         */
        boolean replace(Object connection, Object expected, Object record);
    }

    private static volatile Access access;

    private StoreSlots() {
    }

    /**
     * Called once, by {@link dev.sfere.spi.Connection}'s class initialisation.
     *
     * @param connectionAccess the access to the slot
     * @throws IllegalStateException if access was installed already
     */
    public static synchronized void install(Access connectionAccess) {
        if (access != null) {
            throw new IllegalStateException("the store slot access is installed already");
        }
        access = Objects.requireNonNull(connectionAccess, "connectionAccess");
    }

    /**
     * The record a library store keeps on a connection.
     *
     * @param connection the connection
     * @return the record, or null if no store keeps one
     */
    public static Object get(Object connection) {
        return access(connection).get(connection);
    }

    /**
     * Sets the record atomically, if it is still {@code expected}. A store claims a connection with
     * {@code replace(connection, null, record)} and gives it up with {@code replace(connection, record, null)}.
     *
     * @param connection the connection, a {@code dev.sfere.spi.Connection}
     * @param expected   the record the caller saw, compared by identity; null for none
     * @param record     the new record, or null to clear it
     * @return true if the record was {@code expected} and is now {@code record}
     */
    public static boolean replace(Object connection, Object expected, Object record) {
        return access(connection).replace(connection, expected, record);
    }

    private static Access access(Object connection) {
        // A connection exists, so its class has initialised and installed the access.
        Objects.requireNonNull(connection, "connection");
        return access;
    }
}
