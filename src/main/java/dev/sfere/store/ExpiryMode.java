package dev.sfere.store;

/** How a Caffeine store's {@code duration} is counted. */
public enum ExpiryMode {
    /** From the connection's last activity: registration, a request through its key, a heartbeat that got through. */
    SLIDING,
    /** From the connection's registration, whatever happens after it. */
    FIXED
}
