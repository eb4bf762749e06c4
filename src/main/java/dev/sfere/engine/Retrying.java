package dev.sfere.engine;

import jakarta.ws.rs.sse.OutboundSseEvent;

/** An event of the library's making that can carry the client's reconnection delay: the first on each stream. */
interface Retrying extends OutboundSseEvent {

    /**
     * This event, with a reconnection delay.
     *
     * @param millis the delay in milliseconds
     * @return the event carrying it
     */
    OutboundSseEvent withRetry(long millis);
}
