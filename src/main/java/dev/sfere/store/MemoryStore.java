package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory store: a concurrent hash map with indexes, no expiry and no size bound. */
final class MemoryStore extends IndexedStore {

    private final ConcurrentHashMap<ConnectionKey, Connection> map;

    MemoryStore() {
        this(new ConcurrentHashMap<>());
    }

    private MemoryStore(ConcurrentHashMap<ConnectionKey, Connection> map) {
        super(map);
        this.map = map;
    }

    @Override
    Connection peek(ConnectionKey key) {
        return map.get(key);
    }

    @Override
    boolean indexIsExact() {
        return true;
    }

    @Override
    public void touch(ConnectionKey key) {
        Objects.requireNonNull(key, "key");
        // No expiry, so activity changes nothing.
    }

    @Override
    public String toString() {
        return "MemoryStore[size=" + map.size() + "]";
    }
}
