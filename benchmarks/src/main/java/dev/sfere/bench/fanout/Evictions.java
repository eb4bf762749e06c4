package dev.sfere.bench.fanout;

import dev.sfere.EvictionCause;
import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;

/**
 * Every {@link SfereEvicted} the server fires, in order: the harnesses check that no reader was evicted as
 * {@link EvictionCause#SLOW} (which would make Sfere deliver to fewer clients than the others), and the stalled-client
 * benchmark records when its stalled clients were.
 */
@ApplicationScoped
public class Evictions {

    private final List<SfereEvicted> seen = new ArrayList<>();
    private final List<Long> when = new ArrayList<>();

    synchronized void on(@Observes SfereEvicted evicted) {
        seen.add(evicted);
        when.add(System.nanoTime());
    }

    /** When the first eviction of a key with a cause was fired, in {@link System#nanoTime()}, or null. */
    synchronized Long when(SfereEvicted evicted) {
        int i = seen.indexOf(evicted);
        return i < 0 ? null : when.get(i);
    }

    /** One eviction and when it was fired, in {@link System#nanoTime()}. */
    record Timed(SfereEvicted evicted, long nanos) {
    }

    /** How many evictions so far: a mark for {@link #since}. */
    synchronized int size() {
        return seen.size();
    }

    /** The evictions after a mark from {@link #size}, in order. */
    synchronized List<Timed> since(int mark) {
        List<Timed> after = new ArrayList<>();
        for (int i = mark; i < seen.size(); i++) {
            after.add(new Timed(seen.get(i), when.get(i)));
        }
        return after;
    }

    /** A copy of the evictions so far. */
    synchronized List<SfereEvicted> all() {
        return new ArrayList<>(seen);
    }

    synchronized long count(EvictionCause cause) {
        return seen.stream().filter(e -> e.cause() == cause).count();
    }
}
