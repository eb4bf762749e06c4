package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
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
}
