package dev.sfere.store;

import dev.sfere.ConnectionKey;

/**
 * A store's record of a connection it holds, kept on the connection (see {@link Claims}): the index it belongs to
 * and the key, so the key of a connection costs no map of its own. A connection's buckets map it to this record too,
 * so a walk reads keys from the bucket. Compared by identity.
 *
 * <p>A record is also what {@link Claims#claim} answers when the connection already carries one of the same index,
 * so that answer costs no allocation.
 */
sealed class Held implements Claim permits CaffeineStore.Timed {
    final ConnectionIndex owner;
    final ConnectionKey key;

    Held(ConnectionIndex owner, ConnectionKey key) {
        this.owner = owner;
        this.key = key;
    }
}
