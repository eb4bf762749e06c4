package dev.sfere.spi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Remembers every removal it is told of, in order. Thread-safe. */
public final class RecordingListener implements RemovalListener {

    /** One call of {@link RemovalListener#onRemoval}. */
    public record Removal(ConnectionKey key, Connection connection, EvictionCause cause) {
    }

    private final Queue<Removal> removals = new ConcurrentLinkedQueue<>();

    @Override
    public void onRemoval(ConnectionKey key, Connection connection, EvictionCause cause) {
        removals.add(new Removal(key, connection, cause));
    }

    /** Every removal so far. */
    public List<Removal> all() {
        return new ArrayList<>(removals);
    }

    /** The removals of one connection, compared by identity. */
    public List<Removal> of(Connection connection) {
        List<Removal> out = new ArrayList<>();
        for (Removal removal : removals) {
            if (removal.connection() == connection) {
                out.add(removal);
            }
        }
        return out;
    }

    /** The removals with one cause. */
    public List<Removal> withCause(EvictionCause cause) {
        List<Removal> out = new ArrayList<>();
        for (Removal removal : removals) {
            if (removal.cause() == cause) {
                out.add(removal);
            }
        }
        return out;
    }
}
