package dev.sfere.bench;

import dev.sfere.KeyPattern;

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
        return indexAll(unindexed(name, capacity));
    }

    /**
     * A Sfere store that has answered no lookup yet, so it keeps no position index: what an application that looks
     * connections up by exact key only (or not at all) runs.
     *
     * @param name     {@code sfere-memory} or {@code sfere-caffeine}
     * @param capacity the most connections it must hold without size eviction
     * @return a new, empty store
     */
    public static ConnectionStore unindexed(String name, int capacity) {
        return switch (name) {
            case "sfere-memory" -> Stores.memory();
            case "sfere-caffeine" -> Stores.caffeine().maximumSize(Math.max(capacity * 2L, 10_000)).build();
            default -> throw new IllegalArgumentException("not a Sfere store: " + name);
        };
    }

    /**
     * Makes a store build and keep all three position indexes, as an application that looks up by scope, by
     * category and by id does: one lookup with a literal in each position.
     *
     * @param store the store
     * @return the store
     */
    public static ConnectionStore indexAll(ConnectionStore store) {
        for (String position : new String[] {"scope", "category", "id"}) {
            indexOne(store, position);
        }
        return store;
    }

    /**
     * Makes a store build and keep the index of one key position: one lookup with a literal there.
     *
     * @param store    the store
     * @param position {@code scope}, {@code category} or {@code id}
     * @return the store
     */
    public static ConnectionStore indexOne(ConnectionStore store, String position) {
        KeyPattern pattern = switch (position) {
            case "scope" -> KeyPattern.all().withScope("-");
            case "category" -> KeyPattern.all().withCategory("-");
            case "id" -> KeyPattern.all().withId("-");
            default -> throw new IllegalArgumentException("not a key position: " + position);
        };
        store.count(pattern);
        return store;
    }
}
