package dev.sfere.store;

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

    private final ConnectionIndex index = new ConnectionIndex();

    @Test
    void bucket_onceRetired_takesNoMoreConnections() {
        ConnectionIndex.Bucket bucket = new ConnectionIndex.Bucket();
        assertThat(bucket.retireIfEmpty()).isTrue();
        assertThat(bucket.enter()).isFalse();
        assertThat(bucket.size()).isZero();
    }

    @Test
    void bucket_enteredBeforeRetiring_staysInItsIndex() {
        ConnectionIndex.Bucket bucket = new ConnectionIndex.Bucket();
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
            Connection connection = Connection.of(new RecordingSink(), c -> { });
            connections.add(connection);
            index.add(ConnectionKey.of("s", "lobby", "u" + i), connection);
        }
        index.add(ConnectionKey.of("s", "game", "u0"), Connection.of(new RecordingSink(), c -> { }));

        List<String> seen = new ArrayList<>();
        index.forEachCandidate(KeyPattern.all().withCategory("lobby"), (key, connection) -> {
            assertThat(index.keyOf(connection)).isEqualTo(key);
            seen.add(key.id());
        });
        assertThat(seen).containsExactlyInAnyOrder("u0", "u1", "u2", "u3", "u4");
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(5);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withId("u0"))).isEqualTo(2);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withId("nobody"))).isZero();
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby").withId("u0"))).isEqualTo(-1);
        assertThat(index.countOfSingleLiteral(KeyPattern.all())).isEqualTo(-1);

        index.remove(ConnectionKey.of("s", "lobby", "u3"), connections.get(3));
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
                        Connection connection = Connection.of(new RecordingSink(), c -> { });
                        index.add(key, connection);
                        boolean[] found = new boolean[1];
                        index.forEachCandidate(lobby, (k, c) -> found[0] |= c == connection);
                        if (!found[0]) {
                            problems.add("round " + op + ": " + key + " not in its category's bucket after add");
                        }
                        index.remove(key, connection);
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
        assertThat(index.categories()).isEmpty();
        assertThat(index.scopes()).isEmpty();
        assertThat(index.ids()).isEmpty();
        assertThat(index.size()).isZero();
    }

    @Test
    void positions_areKeptUpToDateOnlyOnceALookupNeedsThem() {
        Connection alice = Connection.of(new RecordingSink(), c -> { });
        Connection bob = Connection.of(new RecordingSink(), c -> { });
        index.add(ConnectionKey.of("s", "lobby", "alice"), alice);
        assertThat(index.maintained()).isEmpty();

        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(index.maintained()).containsExactly("category");

        index.add(ConnectionKey.of("s", "lobby", "bob"), bob);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(2);
        index.remove(ConnectionKey.of("s", "lobby", "alice"), alice);
        assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(index.maintained()).containsExactly("category");

        List<String> found = new ArrayList<>();
        index.forEachCandidate(KeyPattern.all().withId("bob"), (key, connection) -> found.add(key.id()));
        assertThat(found).containsExactly("bob");
        assertThat(index.maintained()).containsExactly("category", "id");
        assertThat(index.ids()).containsOnlyKeys("bob");
    }

    /**
     * A position's index is built while other threads keep storing and removing connections in it: afterwards it
     * must hold exactly the connections the reverse index holds, each under its own part.
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
                        Connection connection = Connection.of(new RecordingSink(), c -> { });
                        index.add(key, connection);
                        mine.put(key, connection);
                    }
                    churning.countDown();
                    List<ConnectionKey> held = new ArrayList<>(mine.keySet());
                    while (!stop.get()) {
                        ConnectionKey key = held.get(random.nextInt(held.size()));
                        Connection old = mine.remove(key);
                        if (old != null) {
                            index.remove(key, old);
                        } else {
                            Connection connection = Connection.of(new RecordingSink(), c -> { });
                            index.add(key, connection);
                            mine.put(key, connection);
                        }
                    }
                    return null;
                }));
            }
            churning.await();
            // The first lookup by category builds that index while the threads go on.
            index.countOfSingleLiteral(KeyPattern.all().withCategory("c0"));
            Thread.sleep(200);
            stop.set(true);
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }

        Map<String, Set<Connection>> categories = index.categories();
        Map<String, Set<Connection>> expected = new java.util.HashMap<>();
        index.forEachLive((key, connection) ->
                expected.computeIfAbsent(key.category(), c -> new java.util.HashSet<>()).add(connection));
        assertThat(categories).isEqualTo(expected);
        for (Map.Entry<String, Set<Connection>> entry : expected.entrySet()) {
            assertThat(index.countOfSingleLiteral(KeyPattern.all().withCategory(entry.getKey())))
                    .as("count of %s", entry.getKey()).isEqualTo(entry.getValue().size());
        }
    }
}
