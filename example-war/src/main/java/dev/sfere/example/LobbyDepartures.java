package dev.sfere.example;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Set;

/** Tells the users still in the lobby who left, and why. */
@ApplicationScoped
public class LobbyDepartures {

    @Inject
    Broadcaster broadcaster;

    void onEvicted(@Observes SfereEvicted evicted) {
        ConnectionKey key = evicted.key();
        if (!Lobby.CATEGORY.equals(key.category())) {
            return;
        }
        // Not to the key itself: when a user's stream is replaced, the new stream is already under that key.
        broadcaster.broadcast(Lobby.everyone(key.scope()), Set.of(key), "left",
                new Left(key.id(), reason(evicted.cause())));
    }

    /** The contract's {@code reason} for an eviction cause. */
    static String reason(EvictionCause cause) {
        return switch (cause) {
            case EXPLICIT -> "leave";
            // The contract's reasons are fixed: a client too slow to keep up had its stream closed as well.
            case CLOSED, COLLECTED, SLOW -> "closed";
            case EXPIRED -> "expired";
            case REPLACED -> "replaced";
            case SIZE -> "size";
            case SHUTDOWN -> "shutdown";
        };
    }

    /** The data of a {@code left} event. */
    public record Left(String user, String reason) {
    }
}
