package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records every {@link SfereEvicted} per key with the {@link System#nanoTime()} of its observer call, for tests
 * that count evictions per connection or time them against something the test did.
 */
@ApplicationScoped
public class EvictionClock {

    /** One eviction seen. */
    public record Seen(EvictionCause cause, long nanos) {
    }

    private final Map<ConnectionKey, List<Seen>> seen = new ConcurrentHashMap<>();

    void on(@Observes SfereEvicted event) {
        seen.computeIfAbsent(event.key(), k -> new CopyOnWriteArrayList<>())
                .add(new Seen(event.cause(), System.nanoTime()));
    }

    /** The evictions of one key, in the order observed; empty if none. */
    public List<Seen> of(ConnectionKey key) {
        return List.copyOf(seen.getOrDefault(key, List.of()));
    }

    /** Every evicted key and what was seen for it. */
    public Map<ConnectionKey, List<Seen>> all() {
        Map<ConnectionKey, List<Seen>> copy = new java.util.HashMap<>();
        seen.forEach((key, list) -> copy.put(key, List.copyOf(list)));
        return copy;
    }

    /** How many evictions were seen, over all keys. */
    public int total() {
        return seen.values().stream().mapToInt(List::size).sum();
    }
}
