package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.spi.Connection;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * New or reset streams whose resource method still runs, with their reset (or none): what a snapshot may replace.
 * Not thread-safe: the {@link Sequencer} calls it with its delivery lock held.
 */
final class Openings {

    private final Map<Stream, OutboundSseEvent> opening = new HashMap<>();

    /** A new stream (no reset) or a reset one (with its {@code sfere-reset}) begins to open. */
    void put(Stream stream, OutboundSseEvent reset) {
        opening.put(stream, reset);
    }

    /** Its resource method returned, or failed. */
    void remove(Stream stream) {
        opening.remove(stream);
    }

    /**
     * Gives a new or reset stream whose resource method still runs its first events, a snapshot of the application's
     * state: stamped now, they replace what other threads queued for it meanwhile (stamped earlier, so ids keep
     * increasing; the snapshot reflects them), after its reset if it has one.
     *
     * @param connection the key's connection on this instance, or null
     * @return the stamped events, or null if the key has no such stream here (the caller sends them as usual)
     */
    Stamped[] snapshot(Connection connection, ConnectionKey key, OutboundSseEvent[] events, History history,
                       long nowNanos, long retryMillis) {
        if (!(connection instanceof Stream stream) || !opening.containsKey(stream)
                || stream.resumption() == Resumption.RESUMED) {
            return null;
        }
        Stamped[] stamped = history.append(new History.Selection(KeyPattern.exactly(key), null, null), events,
                nowNanos);
        if (!stream.begin(stream.resumption(), opening.get(stream), List.of(stamped), retryMillis)) {
            // Opened meanwhile (its resource method returned on another path): queued as a plain send.
            stream.send(stamped);
        }
        return stamped;
    }
}
