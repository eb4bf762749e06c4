package dev.sfere.store;

import dev.sfere.internal.StoreSlots;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionIndexTest {

    /** The index is driven through a memory store, which changes it the way every store does. */
    private final MemoryStore store = new MemoryStore();
    private final ConnectionIndex index = store.index;
    private final IndexView view = new IndexView(index);

    @Test
    void bucket_onceRetired_takesNoMoreConnections() {
        Bucket bucket = new Bucket();
        assertThat(bucket.retireIfEmpty()).isTrue();
        assertThat(bucket.enter()).isFalse();
        assertThat(bucket.size()).isZero();
    }

    @Test
    void bucket_enteredBeforeRetiring_staysInItsIndex() {
        Bucket bucket = new Bucket();
        assertThat(bucket.enter()).isTrue();
        assertThat(bucket.leave()).isTrue();
        // An adder takes a place between the remover's leave and its retire: the bucket must stay.
        assertThat(bucket.enter()).isTrue();
        assertThat(bucket.retireIfEmpty()).isFalse();
        assertThat(bucket.size()).isEqualTo(1);
        assertThat(bucket.leave()).isTrue();
        assertThat(bucket.retireIfEmpty()).isTrue();
    }

    @Test
    void forEachCandidate_singleLiteralBucket_givesEveryConnectionWithItsKey() {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Connection connection = new Connection() { };
            connections.add(connection);
            store.store(ConnectionKey.of("s", "lobby", "u" + i), connection);
        }
        store.store(ConnectionKey.of("s", "game", "u0"), new Connection() { });

        List<String> seen = new ArrayList<>();
        index.forEachCandidate(KeyPattern.all().withCategory("lobby"), (held, connection) -> {
            assertThat(index.keyOf(connection)).isEqualTo(held.key);
            seen.add(held.key.id());
        });
        assertThat(seen).containsExactlyInAnyOrder("u0", "u1", "u2", "u3", "u4");
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(5);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withId("u0"))).isEqualTo(2);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withId("nobody"))).isZero();
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby").withId("u0"))).isEqualTo(-1);
        assertThat(index.countOfSingleLiteral(KeyPattern.all())).isEqualTo(-1);

        store.purge(connections.get(3), dev.sfere.EvictionCause.CLOSED);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(4);
    }

    /**
     * Two threads keep adding and removing one connection each under the same category, so its bucket keeps being
     * made, emptied and retired while the other thread adds: each must see its own connection every time.
     */
    @Test
    @Timeout(120)
    void partGoingBetweenNoneOneAndTwo_neverLosesAConnection() throws Exception {
        int threads = 2;
        KeyPattern lobby = KeyPattern.all().withCategory("lobby");
        CyclicBarrier start = new CyclicBarrier(threads);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ConnectionKey key = ConnectionKey.of("s" + t, "lobby", "u" + t);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int op = 0; op < 300_000 && problems.isEmpty(); op++) {
                        Connection connection = new Connection() { };
                        store.store(key, connection);
                        boolean[] found = new boolean[1];
                        index.forEachCandidate(lobby, (h, c) -> found[0] |= c == connection);
                        if (!found[0]) {
                            problems.add("round " + op + ": " + key + " not in its category's bucket after add");
                        }
                        store.purge(key);
                        if (StoreSlots.get(connection) != null) {
                            problems.add("round " + op + ": " + key + " keeps its record after its removal");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertThat(view.categories()).isEmpty();
        assertThat(view.scopes()).isEmpty();
        assertThat(view.ids()).isEmpty();
        assertThat(store.keys()).isEmpty();
    }

    @Test
    void positions_areKeptUpToDateOnlyOnceALookupNeedsThem() {
        Connection alice = new Connection() { };
        Connection bob = new Connection() { };
        Connection carol = new Connection() { };
        store.store(ConnectionKey.of("s", "lobby", "alice"), alice);
        store.store(ConnectionKey.of("s", "game", "carol"), carol);
        assertThat(view.maintained()).isEmpty();

        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(view.maintained()).containsExactly("category");
        assertThat(view.uniform()).isEmpty();

        store.store(ConnectionKey.of("s", "lobby", "bob"), bob);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(2);
        store.purge(ConnectionKey.of("s", "lobby", "alice"));
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(view.maintained()).containsExactly("category");

        List<String> found = new ArrayList<>();
        index.forEachCandidate(KeyPattern.all().withId("bob"), (held, connection) -> found.add(held.key.id()));
        assertThat(found).containsExactly("bob");
        assertThat(view.maintained()).containsExactly("category", "id");
        assertThat(view.ids()).containsOnlyKeys("bob", "carol");
    }

    @Test
    void positionWhereEveryConnectionHasOnePart_keepsNoBucketUntilAnotherPartComes() {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            connections.add(new Connection() { });
            store.store(ConnectionKey.of("acme", "lobby", "u" + i), connections.get(i));
        }
        KeyPattern acme = KeyPattern.all().withScope("acme");

        assertThat(store.count(acme)).isEqualTo(4);
        assertThat(view.uniform()).containsExactly("scope");
        assertThat(index.countOfSingleLiteral(acme)).as("no bucket to read a size from").isEqualTo(-1);
        assertThat(store.keys(KeyPattern.all().withScope("other"))).isEmpty();
        store.store(ConnectionKey.of("acme", "lobby", "u4"), new Connection() { });
        store.purge(connections.get(0), dev.sfere.EvictionCause.CLOSED);
        assertThat(view.uniform()).containsExactly("scope");
        assertThat(store.keys(acme)).hasSize(4);
        assertThat(store.keys(acme.withCategory("lobby").withId("u4"))).hasSize(1);

        // A second scope: the first store of it builds the index before it returns.
        store.store(ConnectionKey.of("globex", "lobby", "u0"), new Connection() { });
        assertThat(view.uniform()).isEmpty();
        assertThat(view.maintained()).containsExactly("scope");
        assertThat(index.countOfSingleLiteral(acme)).isEqualTo(4);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withScope("globex"))).isEqualTo(1);
        assertThat(view.scopes()).containsOnlyKeys("acme", "globex");
    }

    @Test
    void positionScannedWhileEmpty_takesTheFirstStoredPartAsItsSoleOne() {
        assertThat(store.count(KeyPattern.all().withCategory("lobby"))).isZero();
        assertThat(view.uniform()).containsExactly("category");

        store.store(ConnectionKey.of("s", "game", "a"), new Connection() { });
        assertThat(view.uniform()).containsExactly("category");
        assertThat(store.keys(KeyPattern.all().withCategory("game"))).hasSize(1);
        assertThat(store.keys(KeyPattern.all().withCategory("lobby"))).isEmpty();

        store.store(ConnectionKey.of("s", "lobby", "b"), new Connection() { });
        assertThat(view.uniform()).isEmpty();
        assertThat(store.keys(KeyPattern.all().withCategory("lobby"))).hasSize(1);
        assertThat(view.categories()).containsOnlyKeys("game", "lobby");
    }

    /**
     * The first lookup by scope scans the store while one thread stores a connection under the scope everyone has so
     * far and another under a new one, and, in the other half of the rounds, while the store is still empty and both
     * threads store under scopes of their own. Whoever wins, the new scope must never be hidden behind a uniform
     * position: afterwards the scope index holds every connection under its own scope.
     */
    @Test
    @Timeout(120)
    void scanRacingStoresOfAnotherPart_neverLeavesThePositionUniform() throws Exception {
        int rounds = 3_000;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < rounds; round++) {
                MemoryStore fresh = new MemoryStore();
                boolean empty = round % 2 == 1;
                if (!empty) {
                    for (int i = 0; i < 20; i++) {
                        fresh.store(ConnectionKey.of("a", "c", "old" + i), new Connection() { });
                    }
                }
                ConnectionKey same = ConnectionKey.of(empty ? "x" : "a", "c", "same");
                ConnectionKey other = ConnectionKey.of("b", "c", "other");
                CyclicBarrier start = new CyclicBarrier(3);
                List<Future<?>> futures = List.of(
                        pool.submit(() -> {
                            start.await();
                            return fresh.count(KeyPattern.all().withScope("a"));
                        }),
                        pool.submit(() -> {
                            start.await();
                            return fresh.store(same, new Connection() { });
                        }),
                        pool.submit(() -> {
                            start.await();
                            return fresh.store(other, new Connection() { });
                        }));
                for (Future<?> future : futures) {
                    future.get();
                }
                assertThat(new IndexView(fresh.index).uniform()).as("round %d", round).isEmpty();
                assertThat(fresh.keys(KeyPattern.all().withScope("b"))).as("round %d", round).containsExactly(other);
                assertThat(fresh.keys(KeyPattern.all().withScope(same.scope()))).as("round %d", round).contains(same);
                Map<String, Set<Connection>> expected = new java.util.HashMap<>();
                for (ConnectionKey key : fresh.keys()) {
                    expected.computeIfAbsent(key.scope(), part -> new java.util.HashSet<>())
                            .add(fresh.get(key).orElseThrow());
                }
                assertThat(new IndexView(fresh.index).scopes()).as("round %d", round).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A position's index is built while other threads keep storing and removing connections in it: afterwards it
     * must hold exactly the connections the store holds, each under its own part.
     */
    @Test
    @Timeout(120)
    void positionBuiltWhileConnectionsComeAndGo_endsExact() throws Exception {
        int threads = 2;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch churning = new java.util.concurrent.CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(thread);
                    Map<ConnectionKey, Connection> mine = new java.util.HashMap<>();
                    for (int i = 0; i < 20_000; i++) {
                        ConnectionKey key = ConnectionKey.of("s", "c" + i % 5, "t" + thread + "-" + i);
                        Connection connection = new Connection() { };
                        store.store(key, connection);
                        mine.put(key, connection);
                    }
                    churning.countDown();
                    List<ConnectionKey> held = new ArrayList<>(mine.keySet());
                    while (!stop.get()) {
                        ConnectionKey key = held.get(random.nextInt(held.size()));
                        Connection old = mine.remove(key);
                        if (old != null) {
                            store.purge(key);
                        } else {
                            Connection connection = new Connection() { };
                            store.store(key, connection);
                            mine.put(key, connection);
                        }
                    }
                    return null;
                }));
            }
            churning.await();
            // The first lookup by category builds that index while the threads go on.
            index.countOfSingleLiteral(KeyPattern.all().withCategory("c0"));
            // Not a wait: the threads go on changing the built index for a while.
            Thread.sleep(200);
            stop.set(true);
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }

        Map<String, Set<Connection>> categories = view.categories();
        Map<String, Set<Connection>> expected = new java.util.HashMap<>();
        for (ConnectionKey key : store.keys()) {
            expected.computeIfAbsent(key.category(), c -> new java.util.HashSet<>()).add(store.get(key).orElseThrow());
        }
        assertThat(categories).isEqualTo(expected);
        for (Map.Entry<String, Set<Connection>> entry : expected.entrySet()) {
            assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory(entry.getKey())))
                    .as("count of %s", entry.getKey()).isEqualTo(entry.getValue().size());
        }
    }

    /**
     * A store whose compute saw a position still off, while that position's build read the map before the store's
     * entry was in it: the store must add the connection itself after its compute. Each round builds the category
     * index of a fresh store while another thread keeps storing into it, so some rounds hit that moment.
     */
    @Test
    @Timeout(120)
    void positionBuiltDuringStores_missesNoneOfThem() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<String> problems = new ArrayList<>();
        try {
            for (int round = 0; round < 2_000 && problems.isEmpty(); round++) {
                MemoryStore fresh = new MemoryStore();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger stored = new java.util.concurrent.atomic.AtomicInteger();
                Future<?> storing = pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        fresh.store(ConnectionKey.of("s", "c" + i % 3, "u" + i), new Connection() { });
                        stored.incrementAndGet();
                    }
                });
                while (stored.get() < 20) {
                    Thread.onSpinWait();
                }
                fresh.count(KeyPattern.all().withCategory("c0"));
                stop.set(true);
                storing.get();

                Map<String, Integer> expected = new java.util.HashMap<>();
                for (ConnectionKey key : fresh.keys()) {
                    expected.merge(key.category(), 1, Integer::sum);
                }
                Map<String, Integer> indexed = new java.util.HashMap<>();
                new IndexView(fresh.index).categories()
                        .forEach((category, connections) -> indexed.put(category, connections.size()));
                if (!indexed.equals(expected)) {
                    problems.add("round " + round + ": index " + indexed + ", store " + expected);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
    }
}
