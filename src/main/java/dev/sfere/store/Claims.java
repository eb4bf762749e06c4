package dev.sfere.store;

import dev.sfere.internal.StoreSlots;
import dev.sfere.spi.Connection;

/**
 * The claim protocol on the record slot a connection keeps for the store that holds it: the only code that reads or
 * changes that slot. Its states are null (free), a {@link Held} (held by that record's index under its key), another
 * store's object (held elsewhere), and {@code LEAVING} while a removal takes the connection out of the indexes.
 *
 * <p>A store claims a connection before its compute adds it, so a connection is held under one key by one store at a
 * time; it gives the claim up if the compute fails. A removal marks the record {@code LEAVING}, takes the connection
 * out of the indexes, then frees it; a claim meanwhile waits. Thread-safe: every change is a compare-and-set.
 */
final class Claims {

    /**
     * A connection's record while its removal takes it out of the position indexes. Not a {@link Held}, so a build
     * skips the connection as it would one with no record; and not null, so the connection cannot be claimed for
     * another key until its removal is done with the parts both keys may share.
     */
    private static final Object LEAVING = new Object();

    private Claims() {
    }

    /**
     * Claims a connection for a new record, before the store's compute adds it: sets the record unless the connection
     * already has one. Waits while a removal of the connection is under way, which takes a moment: storing it
     * meanwhile could put it in a part's bucket that the removal then takes it out of.
     *
     * @param connection the connection to claim
     * @param record     its new record
     * @return {@link Claim.Outcome#CLAIMED}; the record the connection already carries in the same index; or
     *         {@link Claim.Outcome#HELD_ELSEWHERE}
     */
    static Claim claim(Connection connection, Held record) {
        for (int spins = 0; ; spins++) {
            if (StoreSlots.replace(connection, null, record)) {
                return Claim.Outcome.CLAIMED;
            }
            Object existing = StoreSlots.get(connection);
            if (existing == LEAVING) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    // The removing thread may be waiting for a core.
                    Thread.yield();
                }
            } else if (existing instanceof Held held && held.owner == record.owner) {
                return held;
            } else if (existing != null) {
                return Claim.Outcome.HELD_ELSEWHERE;
            }
        }
    }

    /** Gives up a claim whose store did not happen. */
    static void unclaim(Connection connection, Held record) {
        StoreSlots.replace(connection, record, null);
    }

    /** The record an index keeps on a connection, or null if the connection is not held there. */
    static Held heldBy(Connection connection, ConnectionIndex owner) {
        return StoreSlots.get(connection) instanceof Held held && held.owner == owner ? held : null;
    }

    /** Whether a connection still carries a given record. */
    static boolean carries(Connection connection, Held record) {
        return StoreSlots.get(connection) == record;
    }

    /**
     * Marks a held connection as leaving, so that no build adds it and no store claims it until {@link #left}.
     *
     * @return false if the connection no longer carries that record
     */
    static boolean leaving(Connection connection, Held held) {
        return StoreSlots.replace(connection, held, LEAVING);
    }

    /** Frees a connection marked by {@link #leaving}, once it is out of the indexes. */
    static void left(Connection connection) {
        StoreSlots.replace(connection, LEAVING, null);
    }
}
