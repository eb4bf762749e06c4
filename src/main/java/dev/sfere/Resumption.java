package dev.sfere;

/**
 * How a stream began: fresh, resumed from the last event its client received, or reset because that could not be
 * done. An application sends a snapshot of its state only to a {@link #NEW} or {@link #RESET} stream; a
 * {@link #RESUMED} stream receives, in order and once each, every event it missed.
 *
 * @see SfereConnected#resumption()
 * @see Connections#resumption(ConnectionKey)
 */
public enum Resumption {
    /** The client presented no last event id: a new stream. */
    NEW,
    /** The client presented the id of an event it received, and every event for its key after it was replayed. */
    RESUMED,
    /**
     * The client presented an id that could not be resumed from (unknown, malformed, too old, from before a restart,
     * or resuming is off): nothing was replayed, and the stream's first event is {@code sfere-reset}.
     */
    RESET
}
