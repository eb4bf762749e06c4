package dev.sfere.store;

import dev.sfere.spi.ConnectionStore;

/**
 * Factories for the library's {@link ConnectionStore}s. Both are thread-safe, index keys for pattern lookups and
 * keep a reverse index from connection to key.
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
