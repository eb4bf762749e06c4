package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;

/**
 * The keys of the lookup benchmarks. Key {@code i} is {@code [user-(i / 1000), lobby-(i % 100), conn-(i % 1000)]}:
 * every scope holds 1,000 keys spread over 100 categories and 1,000 ids. So at every size
 * <ul>
 *   <li>{@code [user-7, ANY, ANY]} matches exactly 1,000 keys (a fixed number of matches),</li>
 *   <li>{@code [ANY, lobby-42, ANY]} matches 1% of the keys,</li>
 *   <li>an exact key matches one key, and {@code [ANY, ANY, ANY]} all of them.</li>
 * </ul>
 * Part strings are shared between keys, as an application's category and scope names are.
 */
public final class KeySpace {

    /** Keys per scope. */
    public static final int PER_SCOPE = 1_000;
    /** Categories. */
    public static final int CATEGORIES = 100;

    private KeySpace() {
    }

    /**
     * The first {@code size} keys.
     *
     * @param size how many
     * @return the keys, key {@code i} at index {@code i}
     */
    public static ConnectionKey[] keys(int size) {
        String[] scopes = names("user-", (size + PER_SCOPE - 1) / PER_SCOPE);
        String[] categories = names("lobby-", CATEGORIES);
        String[] ids = names("conn-", PER_SCOPE);
        ConnectionKey[] keys = new ConnectionKey[size];
        for (int i = 0; i < size; i++) {
            keys[i] = ConnectionKey.of(scopes[i / PER_SCOPE], categories[i % CATEGORIES], ids[i % PER_SCOPE]);
        }
        return keys;
    }

    /**
     * One connection handle per key.
     *
     * @param size how many
     * @return the connections
     */
    public static Connection[] connections(int size) {
        Connection[] connections = new Connection[size];
        for (int i = 0; i < size; i++) {
            connections[i] = new Handle();
        }
        return connections;
    }

    /**
     * The pattern a benchmark parameter names.
     *
     * @param name {@code exact}, {@code category}, {@code scope} or {@code all}
     * @param size the number of keys (the exact key is the middle one)
     * @return the pattern
     */
    public static KeyPattern pattern(String name, int size) {
        return switch (name) {
            case "exact" -> KeyPattern.exactly(keys(size)[size / 2]);
            case "category" -> KeyPattern.all().withCategory("lobby-42");
            case "scope" -> KeyPattern.all().withScope("user-7");
            case "all" -> KeyPattern.all();
            default -> throw new IllegalArgumentException("unknown pattern " + name);
        };
    }

    private static String[] names(String prefix, int count) {
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = prefix + i;
        }
        return names;
    }
}
