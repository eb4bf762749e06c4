package dev.sfere.bench;

import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;

/** The stores a benchmark can run against, by parameter name. */
public final class Impl {

    private Impl() {
    }

    /**
     * A Sfere store.
     *
     * @param name     {@code sfere-memory} or {@code sfere-caffeine}
     * @param capacity the most connections it must hold without size eviction
     * @return a new, empty store
     */
    public static ConnectionStore sfere(String name, int capacity) {
        return switch (name) {
            case "sfere-memory" -> Stores.memory();
            case "sfere-caffeine" -> Stores.caffeine().maximumSize(Math.max(capacity * 2L, 10_000)).build();
            default -> throw new IllegalArgumentException("not a Sfere store: " + name);
        };
    }
}
