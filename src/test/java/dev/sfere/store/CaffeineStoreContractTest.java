package dev.sfere.store;

import dev.sfere.spi.RecordingListener;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The contract, plus what both Caffeine configurations share: expiry at the deadline, expired entries invisible
 * before maintenance, the size bound. Time is a {@link FakeTicker}; the scheduler is disabled and notifications run
 * on the calling thread, so {@link CaffeineStore#cleanUp()} runs expiry and tells the listeners before it returns.
 */
abstract class CaffeineStoreContractTest extends ConnectionStoreContractTest {

    static final Duration DURATION = Duration.ofSeconds(30);
    static final Duration ONE_NANO = Duration.ofNanos(1);
    /**
     * An entry is invisible from its exact deadline, but Caffeine's timer wheel evicts it, and so tells the
     * listeners, only once the wheel's finest bucket (2^30 ns) holding that deadline has passed.
     */
    static final Duration WHEEL_TICK = Duration.ofNanos(1L << 30);

    final FakeTicker ticker = new FakeTicker();

    /** The expiry mode of the configuration under test. */
    abstract ExpiryMode mode();

    @Override
    protected ConnectionStore newStore() {
        return newStore(10_000);
    }

    ConnectionStore newStore(long maximumSize) {
        return newStore(maximumSize, Runnable::run);
    }

    ConnectionStore newStore(long maximumSize, Executor executor) {
        return Stores.caffeine()
                .duration(DURATION)
                .maximumSize(maximumSize)
                .expiryMode(mode())
                .ticker(ticker)
                .scheduler(Scheduler.disabledScheduler())
                .executor(executor)
                .build();
    }

    /** An executor that keeps its tasks until {@link #runAll} runs them, counting every task it was given. */
    static final class HeldTasks implements Executor {
        private final Queue<Runnable> tasks = new ArrayDeque<>();
        int given;

        @Override
        public void execute(Runnable task) {
            given++;
            tasks.add(task);
        }

        void runAll() {
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                task.run();
            }
        }
    }

    /** A store on a {@link HeldTasks} executor, with {@link #removals} listening. */
    HeldTasks storeOnHeldTasks() {
        HeldTasks tasks = new HeldTasks();
        store = newStore(10_000, tasks);
        removals = new RecordingListener();
        store.addRemovalListener(removals);
        return tasks;
    }

    /** The category of {@code ALICE} and {@code BOB}. */
    static final KeyPattern LOBBY = KeyPattern.all().withCategory("lobby");

    @Override
    protected void runMaintenance() {
        ((CaffeineStore) store).cleanUp();
    }

    void advance(Duration duration) {
        ticker.advance(duration);
    }

    @Test
    void untouched_expiresAtDeadline_firesExpiredOnce() {
        Connection alice = newConnection();
        store.store(ALICE, alice);

        advance(DURATION.minus(ONE_NANO));
        runMaintenance();
        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(removals.all()).isEmpty();

        advance(ONE_NANO);
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        advance(DURATION);
        runMaintenance();

        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        assertThat(store.keyOf(alice)).isEmpty();
        assertIndexConsistent();
        assertNoRecordLeft();
    }

    /**
     * Storing a connection again once its entry has expired stores it, whether or not the cache's maintenance has
     * removed the expired entry yet: before, the store took the call for activity on an entry it already had and
     * stored nothing.
     */
    @Test
    void expiredConnection_storedAgainUnderItsKeyBeforeCleanUp_isStoredAndItsExpiryTold() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(DURATION);
        assertThat(store.get(ALICE)).isEmpty();

        assertThat(store.store(ALICE, alice)).isSameAs(alice);

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(store.keyOf(alice)).contains(ALICE);
        assertThat(store.keys(LOBBY)).containsExactly(ALICE);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        advance(DURATION.minus(ONE_NANO));
        runMaintenance();
        assertThat(store.get(ALICE)).as("a full lifetime from the new store").containsSame(alice);
        assertIndexConsistent();
    }

    /** The same under another key: the expired entry no longer holds the connection, so it may move. */
    @Test
    void expiredConnection_storedUnderAnotherKeyBeforeCleanUp_isStoredThere() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(DURATION);

        assertThat(store.store(BOB, alice)).isSameAs(alice);

        assertThat(store.get(BOB)).containsSame(alice);
        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keyOf(alice)).contains(BOB);
        assertThat(store.keys(LOBBY)).containsExactly(BOB);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        assertIndexConsistent();
    }

    @Test
    void expiredKey_isInvisibleBeforeCleanUp() {
        Connection alice = newConnection();
        Connection carol = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(CAROL_GAME, carol);
        advance(Duration.ofSeconds(20));
        store.store(BOB, bob);
        advance(Duration.ofSeconds(15));

        // Reads through the index first: walking the whole map may itself run the maintenance this test avoids.
        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.get(CAROL_GAME)).isEmpty();
        assertThat(store.get(BOB)).containsSame(bob);
        assertThat(store.keyOf(alice)).isEmpty();
        assertThat(store.keyOf(carol)).isEmpty();
        assertThat(store.keyOf(bob)).contains(BOB);
        assertThat(store.keys(KeyPattern.all().withCategory("lobby"))).containsExactly(BOB);
        assertThat(store.keys(KeyPattern.all().withId("alice"))).isEmpty();
        assertThat(store.keys(KeyPattern.exactly(ALICE))).isEmpty();
        assertThat(store.count(KeyPattern.all().withCategory("lobby"))).isEqualTo(1);
        assertThat(store.count(KeyPattern.all().withCategory("game"))).isZero();
        assertThat(store.count(KeyPattern.exactly(ALICE))).isZero();
        assertThat(store.keys()).containsExactly(BOB);
        assertThat(store.count(KeyPattern.all())).isEqualTo(1);

        runMaintenance();

        assertThat(removals.all()).containsExactlyInAnyOrder(
                new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED),
                new RecordingListener.Removal(CAROL_GAME, carol, EvictionCause.EXPIRED));
        assertIndexConsistent();
    }

    @Test
    void purge_expiredKeyBeforeCleanUp_firesExpiredOnlyOnce() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(DURATION);

        assertThat(store.purge(ALICE)).isFalse();
        assertThat(store.purge(alice, EvictionCause.CLOSED)).isFalse();
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        assertNoRecordLeft();
    }

    @Test
    void store_overExpiredKeyBeforeCleanUp_firesExpiredNotReplaced() {
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);
        advance(DURATION);

        store.store(ALICE, newer);
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, old, EvictionCause.EXPIRED));
        assertThat(store.get(ALICE)).containsSame(newer);
        assertThat(store.keyOf(newer)).contains(ALICE);
        assertThat(store.keyOf(old)).isEmpty();
        assertIndexConsistent();
    }

    @Test
    void replace_givesNewConnectionItsOwnLifetime() {
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);
        advance(Duration.ofSeconds(20));
        store.store(ALICE, newer);

        advance(Duration.ofSeconds(20));
        runMaintenance();
        assertThat(store.get(ALICE)).containsSame(newer);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, old, EvictionCause.REPLACED));

        advance(Duration.ofSeconds(10));
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        assertThat(removals.of(newer)).containsExactly(
                new RecordingListener.Removal(ALICE, newer, EvictionCause.EXPIRED));
        assertThat(removals.of(old)).hasSize(1);
    }

    @Test
    void reads_doNotExtendLifetime() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        for (int second = 0; second < 29; second++) {
            advance(Duration.ofSeconds(1));
            readEverything(alice);
        }

        advance(Duration.ofSeconds(1));
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
    }

    /** Every read of the store, as a broadcast or a lookup would do them. */
    void readEverything(Connection... connections) {
        store.keys();
        store.keys(KeyPattern.all());
        store.keys(KeyPattern.all().withCategory("lobby"));
        store.count(KeyPattern.all());
        store.count(KeyPattern.all().withCategory("lobby"));
        store.forEach(KeyPattern.all(), (key, connection) -> { });
        store.forEach(KeyPattern.all().withCategory("lobby"), (key, connection) -> { });
        for (Connection connection : connections) {
            ConnectionKey key = store.keyOf(connection).orElseThrow();
            store.get(key);
            store.keys(KeyPattern.exactly(key));
            store.count(KeyPattern.exactly(key));
            store.forEach(KeyPattern.exactly(key), (k, c) -> { });
        }
    }

    @Test
    void maximumSize_exceeded_evictsExtraWithCauseSize() {
        int maximum = 5;
        store = newStore(maximum);
        removals = new RecordingListener();
        store.addRemovalListener(removals);
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < maximum + 3; i++) {
            Connection connection = newConnection();
            connections.add(connection);
            store.store(ConnectionKey.of("s" + i % 2, "c" + i % 3, "id" + i), connection);
        }

        runMaintenance();

        assertThat(store.count(KeyPattern.all())).isEqualTo(maximum);
        assertThat(store.keys()).hasSize(maximum);
        assertThat(removals.all()).hasSize(3).allSatisfy(removal -> {
            assertThat(removal.cause()).isEqualTo(EvictionCause.SIZE);
            assertThat(connections).contains(removal.connection());
            assertThat(store.keyOf(removal.connection())).isEmpty();
            assertThat(store.get(removal.key())).isEmpty();
        });
        assertThat(removals.all().stream().map(RecordingListener.Removal::connection).distinct()).hasSize(3);
        assertIndexConsistent();
    }

    @Test
    void expiry_ofManyKeys_leavesNoIndexBuckets() {
        for (int i = 0; i < 200; i++) {
            store.store(ConnectionKey.of("s" + i % 3, "c" + i % 13, "i" + i), newConnection());
        }
        advance(DURATION.plus(WHEEL_TICK));

        runMaintenance();

        assertThat(removals.withCause(EvictionCause.EXPIRED)).hasSize(200);
        assertThat(index().scopes()).isEmpty();
        assertThat(index().categories()).isEmpty();
        assertThat(index().ids()).isEmpty();
        assertNoRecordLeft();
    }

    @Test
    void purges_handTheExecutorNoTaskOfTheirOwn() {
        HeldTasks tasks = storeOnHeldTasks();
        List<ConnectionKey> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(ConnectionKey.of("s", "c" + i % 7, "id" + i));
            store.store(keys.get(i), newConnection());
        }
        tasks.runAll();
        int before = tasks.given;

        for (ConnectionKey key : keys) {
            assertThat(store.purge(key)).isTrue();
        }

        // The store tells its own purges; only Caffeine's maintenance, pending until run, may be handed over.
        assertThat(tasks.given - before).isLessThanOrEqualTo(1);
        assertThat(removals.withCause(EvictionCause.EXPLICIT)).hasSize(100);
        tasks.runAll();
        assertThat(removals.all()).hasSize(100);
    }

    @Test
    void expiredEntryMetByStoresCompute_isToldOnTheExecutorNotInsideTheCompute() {
        HeldTasks tasks = storeOnHeldTasks();
        Connection old = newConnection();
        Connection newer = newConnection();
        store.store(ALICE, old);
        tasks.runAll();
        advance(DURATION);

        store.store(ALICE, newer);

        assertThat(removals.all()).isEmpty();
        assertThat(store.keyOf(old)).isEmpty();
        assertThat(store.keys(LOBBY)).containsExactly(ALICE);
        // Told from a task, where a listener may call back into the store for the same key.
        store.addRemovalListener((key, connection, cause) -> store.purge(key, EvictionCause.CLOSED));
        tasks.runAll();
        assertThat(removals.all()).containsExactly(
                new RecordingListener.Removal(ALICE, old, EvictionCause.EXPIRED),
                new RecordingListener.Removal(ALICE, newer, EvictionCause.CLOSED));
        assertIndexConsistent();
        assertNoRecordLeft();
    }

    @Test
    void evictionsOfMaintenanceOnTheExecutor_areToldThere() {
        HeldTasks tasks = storeOnHeldTasks();
        Connection alice = newConnection();
        store.store(ALICE, alice);
        tasks.runAll();
        advance(DURATION.plus(WHEEL_TICK));

        // A write schedules maintenance on the executor; its expiry of alice is told when that task runs.
        store.store(BOB, newConnection());
        assertThat(removals.all()).isEmpty();
        tasks.runAll();

        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        assertThat(store.keys(LOBBY)).containsExactly(BOB);
        assertIndexConsistent();
    }

    @Test
    void throwingListener_onExpiry_doesNotStopOthersNorReachCaller() {
        RecordingListener after = new RecordingListener();
        store.addRemovalListener((key, connection, cause) -> {
            throw new IllegalStateException("listener failure, on purpose");
        });
        store.addRemovalListener(after);
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(BOB, bob);
        advance(DURATION.plus(WHEEL_TICK));

        assertThatNoException().isThrownBy(this::runMaintenance);

        List<RecordingListener.Removal> expected = List.of(
                new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED),
                new RecordingListener.Removal(BOB, bob, EvictionCause.EXPIRED));
        assertThat(removals.all()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(after.all()).containsExactlyInAnyOrderElementsOf(expected);
    }
}
