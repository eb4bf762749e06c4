package dev.sfere.store;

import com.github.benmanes.caffeine.cache.Scheduler;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property tests: the stores against a plain map under random operation sequences, and the indexed pattern lookup
 * against a naive filter over random keys and patterns. Small alphabets (with the literal text "*") make keys and
 * patterns collide often.
 */
class StoreProperties {

    private static final List<String> SCOPES = List.of("s1", "s2", "*");
    private static final List<String> CATEGORIES = List.of("lobby", "game", "*");
    private static final List<String> IDS = List.of("alice", "bob", "carol", "*");

    /** One step of a random run. */
    record Op(int kind, ConnectionKey key, int connection) {
    }

    @Provide
    Arbitrary<ConnectionKey> keys() {
        return Combinators.combine(Arbitraries.of(SCOPES), Arbitraries.of(CATEGORIES), Arbitraries.of(IDS))
                .as(ConnectionKey::of);
    }

    @Provide
    Arbitrary<List<ConnectionKey>> keyLists() {
        return keys().list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<KeyPattern> patterns() {
        return Combinators.combine(segment(SCOPES), segment(CATEGORIES), segment(IDS)).as(KeyPattern::of);
    }

    private static Arbitrary<KeyPattern.Segment> segment(List<String> values) {
        return Arbitraries.oneOf(Arbitraries.just(KeyPattern.ANY), Arbitraries.of(values).map(KeyPattern::literal));
    }

    @Provide
    Arbitrary<List<Op>> runs() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 4), keys(),
                Arbitraries.integers().between(0, 30)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(120);
    }

    @Property(tries = 300)
    void indexedLookup_equalsNaiveFilter(@ForAll("keyLists") List<ConnectionKey> stored,
                                         @ForAll("patterns") KeyPattern pattern) {
        for (ConnectionStore store : List.of(Stores.memory(), caffeine())) {
            for (ConnectionKey key : stored) {
                store.store(key, connection());
            }
            Set<ConnectionKey> expected = new HashSet<>(stored).stream()
                    .filter(key -> naiveMatch(pattern, key)).collect(Collectors.toSet());
            assertThat(store.keys(pattern)).as("%s in %s", pattern, store).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(store.count(pattern)).isEqualTo(expected.size());
        }
    }

    @Property(tries = 200)
    void memoryStore_behavesLikeAMap(@ForAll("runs") List<Op> run) {
        checkAgainstModel(Stores.memory(), run);
    }

    @Property(tries = 200)
    void caffeineStore_behavesLikeAMap(@ForAll("runs") List<Op> run) {
        checkAgainstModel(caffeine(), run);
    }

    private static void checkAgainstModel(ConnectionStore store, List<Op> run) {
        Map<ConnectionKey, Connection> model = new HashMap<>();
        List<Connection> made = new ArrayList<>();
        List<EvictionCause> told = new ArrayList<>();
        int[] expectedRemovals = {0};
        store.addRemovalListener((key, connection, cause) -> told.add(cause));
        for (Op op : run) {
            switch (op.kind()) {
                case 0 -> {
                    Connection fresh = connection();
                    made.add(fresh);
                    if (model.put(op.key(), fresh) != null) {
                        expectedRemovals[0]++;
                    }
                    assertThat(store.store(op.key(), fresh)).isSameAs(fresh);
                }
                case 1 -> {
                    boolean present = model.remove(op.key()) != null;
                    expectedRemovals[0] += present ? 1 : 0;
                    assertThat(store.purge(op.key())).isEqualTo(present);
                }
                case 2 -> {
                    if (!made.isEmpty()) {
                        Connection target = made.get(op.connection() % made.size());
                        Optional<ConnectionKey> where = model.entrySet().stream()
                                .filter(e -> e.getValue() == target).map(Map.Entry::getKey).findFirst();
                        where.ifPresent(model::remove);
                        expectedRemovals[0] += where.isPresent() ? 1 : 0;
                        assertThat(store.purge(target, EvictionCause.CLOSED)).isEqualTo(where.isPresent());
                    }
                }
                case 3 -> assertThat(store.get(op.key()).orElse(null)).isSameAs(model.get(op.key()));
                default -> {
                    if (!made.isEmpty()) {
                        Connection target = made.get(op.connection() % made.size());
                        Optional<ConnectionKey> where = model.entrySet().stream()
                                .filter(e -> e.getValue() == target).map(Map.Entry::getKey).findFirst();
                        assertThat(store.keyOf(target)).isEqualTo(where);
                    }
                }
            }
        }
        assertThat(store.keys()).containsExactlyInAnyOrderElementsOf(model.keySet());
        assertThat(store.count(KeyPattern.all())).isEqualTo(model.size());
        assertThat(told).hasSize(expectedRemovals[0]);
    }

    /** The seed's match rule, written out plainly: every position is the wildcard or equal. */
    private static boolean naiveMatch(KeyPattern pattern, ConnectionKey key) {
        return position(pattern.scope(), key.scope()) && position(pattern.category(), key.category())
                && position(pattern.id(), key.id());
    }

    private static boolean position(KeyPattern.Segment segment, String part) {
        return segment == KeyPattern.ANY || ((KeyPattern.Literal) segment).value().equals(part);
    }

    private static ConnectionStore caffeine() {
        return Stores.caffeine().duration(Duration.ofDays(1)).maximumSize(1_000_000)
                .scheduler(Scheduler.disabledScheduler()).executor(Runnable::run).build();
    }

    private static Connection connection() {
        return new Connection() { };
    }
}
