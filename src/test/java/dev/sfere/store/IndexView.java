package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** For tests: what a store's index holds, read through its package-private state. */
final class IndexView {

    private final ConnectionIndex index;

    IndexView(ConnectionIndex index) {
        this.index = index;
    }

    /** The buckets by scope (built first if need be), to check that emptied buckets are dropped. */
    Map<String, Set<Connection>> scopes() {
        return view(index.byScope, ConnectionKey::scope);
    }

    Map<String, Set<Connection>> categories() {
        return view(index.byCategory, ConnectionKey::category);
    }

    Map<String, Set<Connection>> ids() {
        return view(index.byId, ConnectionKey::id);
    }

    /** The key a connection is held under in the index, or null. */
    ConnectionKey keyOf(Connection connection) {
        return index.keyOf(connection);
    }

    /** The positions kept uniform, without buckets, among "scope", "category" and "id". */
    Set<String> uniform() {
        Set<String> out = new TreeSet<>();
        positions().forEach((name, position) -> {
            if (position.state == PositionState.UNIFORM) {
                out.add(name);
            }
        });
        return out;
    }

    /** The positions whose index is kept up to date, among "scope", "category" and "id". */
    Set<String> maintained() {
        Set<String> out = new TreeSet<>();
        positions().forEach((name, position) -> {
            if (position.state != PositionState.OFF) {
                out.add(name);
            }
        });
        return out;
    }

    private Map<String, Position> positions() {
        return Map.of("scope", index.byScope, "category", index.byCategory, "id", index.byId);
    }

    /** A position's buckets, or for a uniform one, the bucket its sole part would have: the stored connections. */
    private Map<String, Set<Connection>> view(Position position, Function<ConnectionKey, String> partOf) {
        Map<String, Set<Connection>> out = new HashMap<>();
        if (position.ready() == PositionState.UNIFORM) {
            index.stored.forEach((key, connection) -> {
                if (index.heldUnder(key, connection) != null) {
                    out.computeIfAbsent(partOf.apply(key), part -> new HashSet<>()).add(connection);
                }
            });
            return out;
        }
        position.parts.forEach((part, candidates) -> out.put(part, candidates instanceof Bucket many
                ? Set.copyOf(many.connections.keySet())
                : Set.of(((Candidates.One) candidates).connection())));
        return out;
    }
}
