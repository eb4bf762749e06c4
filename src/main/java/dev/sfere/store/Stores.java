package dev.sfere.store;

import dev.sfere.spi.ConnectionStore;

/**
 * Factories for the library's {@link ConnectionStore}s. Both are thread-safe, index keys for pattern lookups and
 * find the key of a connection in constant time, from a record they keep on the connection
 * ({@link dev.sfere.internal.StoreSlots}); so a connection is held by one of them at a time.
 *
 * <p>The index of a key position (scope, category or id) is built the first time a pattern with a literal in that
 * position is looked up, which reads every connection once, and is kept up to date from then on. Until then,
 * storing and removing a connection cost no index work for that position: an application that looks up only by
 * exact key, or broadcasts only to every key, keeps no position index at all. Nor is one kept for a position where
 * every connection has the same part (the one scope of a single-tenant application, say), until a connection with
 * another part is stored: a lookup of that part reads the store's map instead.
 *
 * <p>An application that wants a store configured in code rather than through MicroProfile Config produces one:
 *
 * <pre>{@code
 * @Produces @ApplicationScoped
 * ConnectionStore store() {
 *     return Stores.caffeine().duration(Duration.ofMinutes(30)).maximumSize(50_000).build();
 * }
 * }</pre>
 */
public final class Stores {

    private Stores() {
    }

    /**
     * A store in memory, without expiry or size bound: connections leave only when purged, replaced or closed.
     *
     * @return a new, empty store
     */
    public static ConnectionStore memory() {
        return new MemoryStore();
    }

    /**
     * Options for a Caffeine-backed store with expiry and a size bound.
     *
     * @return a builder with the defaults
     */
    public static CaffeineStoreBuilder caffeine() {
        return new CaffeineStoreBuilder();
    }
}
