package dev.sfere;

/**
 * Why a connection left the store. Every removal fires exactly one {@link SfereEvicted} carrying one of these.
 */
public enum EvictionCause {
    /** The application purged the key itself (for example a "leave" request). */
    EXPLICIT,
    /** Another connection was stored under the same key; the old one was closed. */
    REPLACED,
    /** The connection's lifetime ran out: idle too long (sliding expiry) or too old (fixed expiry). */
    EXPIRED,
    /** The store was full ({@code sfere.store.maximum-size}) and this connection was chosen to make room. */
    SIZE,
    /** The garbage collector reclaimed the entry (only for stores holding weak or soft references). */
    COLLECTED,
    /**
     * The client went away: a write to its stream failed, threw, or left the stream closed. Also the cause when the
     * resource method that opened the stream, or an observer of {@link SfereConnected}, threw.
     */
    CLOSED,
    /**
     * The client reads too slowly: more events were waiting for its stream than {@code sfere.connection.queue-size}
     * allows, so the stream was given up rather than let it hold memory without limit or hold up the others.
     */
    SLOW,
    /** The application is stopping; every stream is closed. */
    SHUTDOWN
}
