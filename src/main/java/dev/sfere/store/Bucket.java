package dev.sfere.store;

import dev.sfere.spi.Connection;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections of a part that has had two or more at once, each with its record; a reference-counted member of
 * a {@link Parts} index.
 *
 * <p>{@code members} counts the connections that are in the bucket or about to be; it is set to {@code RETIRED}
 * when the bucket leaves its index, and never changes after that. An adder first takes a place in the count
 * (which fails once the bucket is retired) and only then puts the connection in; a remover takes it out, then
 * gives its place back, and the one that brings the count to zero retires the bucket and takes it out of the
 * index, inside the index's per-part compute and only if no adder took a place in between. So a bucket still in
 * its index is never retired, and a connection is never put into a bucket that has left it.
 *
 * <p>A bucket is also the answer of a lookup that it narrows to (see {@link Candidates}). Thread-safe.
 */
final class Bucket implements Candidates {
    private static final int RETIRED = Integer.MIN_VALUE;

    final ConcurrentHashMap<Connection, Held> connections = new ConcurrentHashMap<>();
    private final AtomicInteger members = new AtomicInteger();

    /** Takes a place for a connection about to be put in; false if the bucket is retired. */
    boolean enter() {
        for (;;) {
            int n = members.get();
            if (n == RETIRED) {
                return false;
            }
            if (members.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back the place of a connection taken out; true if the bucket may now be empty. */
    boolean leave() {
        return members.decrementAndGet() == 0;
    }

    /** Retires the bucket if it is empty; call inside the index's compute for its part. */
    boolean retireIfEmpty() {
        return members.compareAndSet(0, RETIRED);
    }

    /**
     * How many connections the bucket holds. Never more than the number of keys under the part, since a store
     * takes a key's old connection out before it puts the new one in, and a connection already in the bucket is
     * not counted again.
     */
    @Override
    public int size() {
        return Math.max(members.get(), 0);
    }
}
