package dev.sfere.store;

/**
 * What {@link Claims#claim} found on a connection: either an {@link Outcome}, or the {@link Held} record the
 * connection already carries in the same index.
 */
sealed interface Claim permits Claim.Outcome, Held {

    /** The answers that carry no record. */
    enum Outcome implements Claim {
        /** The connection was free and now carries the new record. */
        CLAIMED,
        /** Another store holds the connection. */
        HELD_ELSEWHERE
    }
}
