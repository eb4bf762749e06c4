package dev.sfere.store;

import dev.sfere.spi.Connection;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The connections of one key position by their part there. Adding to and removing from a part that already holds
 * several connections takes no lock on the index: see {@link Bucket}. Thread-safe.
 */
final class Parts {

    /**
     * Values are the {@link Connection} itself while the part has one connection (the usual case for ids), and
     * a {@link Bucket} from the second on: a map per unique id would cost about 200 bytes per connection.
     */
    private final Map<String, Object> parts = new ConcurrentHashMap<>();
    private final ConnectionIndex owner;

    Parts(ConnectionIndex owner) {
        this.owner = owner;
    }

    /** The connections of a part, or null if it has none. */
    Candidates get(String part) {
        return candidates(parts.get(part));
    }

    /** Visits each part with its connections. */
    void forEach(BiConsumer<String, Candidates> visitor) {
        parts.forEach((part, value) -> visitor.accept(part, candidates(value)));
    }

    private static Candidates candidates(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof Bucket many ? many : new Candidates.One((Connection) value);
    }

    /**
     * Adds a connection to a part's bucket; adding one that is there already changes nothing.
     *
     * @param mayBeThere false if nobody else can have added the connection, which spares a look in the bucket
     */
    void add(String part, Held held, Connection connection, boolean mayBeThere) {
        Object current = parts.putIfAbsent(part, connection);
        if (current == null || current == connection) {
            return;
        }
        if (current instanceof Bucket bucket) {
            // The build of a position and the connection's own store may both add it: the later one finds it.
            if (mayBeThere && bucket.connections.containsKey(connection)) {
                return;
            }
            if (bucket.enter()) {
                if (bucket.connections.put(connection, held) != null) {
                    leave(part, bucket);
                }
                return;
            }
        }
        parts.compute(part, (p, value) -> {
            if (value == null) {
                return connection;
            }
            if (value == connection) {
                return value;
            }
            // A bucket in the index is never retired: retiring takes it out in this same per-part compute.
            Bucket bucket = value instanceof Bucket many ? many : promote((Connection) value);
            if (bucket.connections.containsKey(connection)) {
                return bucket;
            }
            bucket.enter();
            if (bucket.connections.put(connection, held) != null && bucket.leave() && bucket.retireIfEmpty()) {
                return null;
            }
            return bucket;
        });
    }

    /** Takes a connection out of a part's bucket. */
    void remove(String part, Connection connection) {
        Object current = parts.get(part);
        if (current == connection && parts.remove(part, connection)) {
            return;
        }
        if (current instanceof Bucket bucket && bucket.connections.remove(connection) != null) {
            leave(part, bucket);
            return;
        }
        // The part's value changed since it was read: a single connection became a bucket.
        parts.computeIfPresent(part, (p, value) -> {
            if (value instanceof Bucket bucket) {
                if (bucket.connections.remove(connection) != null && bucket.leave() && bucket.retireIfEmpty()) {
                    return null;
                }
                return bucket;
            }
            return value == connection ? null : value;
        });
    }

    /** Gives back a place in a bucket, and takes the bucket out of the index if that emptied it. */
    private void leave(String part, Bucket bucket) {
        if (bucket.leave()) {
            parts.computeIfPresent(part, (p, value) -> value == bucket && bucket.retireIfEmpty() ? null : value);
        }
    }

    /** A bucket for a part that held a single connection, which it keeps unless that one is being removed. */
    private Bucket promote(Connection single) {
        Bucket bucket = new Bucket();
        Held held = owner.held(single);
        if (held != null) {
            bucket.enter();
            bucket.connections.put(single, held);
        }
        // Else its removal has begun and will find it in no bucket of this part, which is what it would leave.
        return bucket;
    }
}
