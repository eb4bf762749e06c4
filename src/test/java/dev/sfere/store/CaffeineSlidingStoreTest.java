package dev.sfere.store;

import dev.sfere.spi.RecordingListener;
import dev.sfere.EvictionCause;
import dev.sfere.spi.Connection;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract on a Caffeine store with sliding expiry: the lifetime restarts on activity, never on a read. */
class CaffeineSlidingStoreTest extends CaffeineStoreContractTest {

    @Override
    ExpiryMode mode() {
        return ExpiryMode.SLIDING;
    }

    @Test
    void touch_survivesPastOriginalDeadline() {
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(BOB, bob);
        advance(Duration.ofSeconds(20));

        store.touch(ALICE);
        advance(Duration.ofSeconds(10));

        // A pattern walk, before any maintenance, judges from the renewed deadline, as a read does.
        assertThat(store.keys(LOBBY)).containsExactly(ALICE);
        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(store.get(BOB)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(BOB, bob, EvictionCause.EXPIRED));

        advance(Duration.ofSeconds(20).minus(WHEEL_TICK).minus(ONE_NANO));
        runMaintenance();
        assertThat(store.get(ALICE)).containsSame(alice);

        assertThat(store.keys(LOBBY)).containsExactly(ALICE);

        advance(ONE_NANO);
        assertThat(store.keys(LOBBY)).isEmpty();
        assertThat(store.count(LOBBY)).isZero();
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        assertThat(removals.of(alice)).containsExactly(
                new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
        assertThat(removals.of(bob)).hasSize(1);
    }

    @Test
    void storeSameConnectionAgain_countsAsActivity() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(Duration.ofSeconds(20));

        store.store(ALICE, alice);
        advance(Duration.ofSeconds(20));
        runMaintenance();

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(removals.all()).isEmpty();
    }

    @Test
    void touch_expiredKey_doesNotRevive() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(DURATION);

        store.touch(ALICE);
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
    }

    @Test
    void touch_missingKey_storesNothing() {
        store.touch(ALICE);

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keys()).isEmpty();
        assertThat(removals.all()).isEmpty();
    }

    /**
     * Seed 002: alice is active, bob's client went away. Broadcasts keep reading both; bob must still expire by his
     * own inactivity while alice, active, remains to hear that he left.
     */
    @Test
    void seed002_broadcastReadsOfBothConnections_keepTheirOwnDeadlines() {
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        store.store(BOB, bob);
        for (int second = 5; second <= 40; second += 5) {
            advance(Duration.ofSeconds(5));
            store.touch(ALICE);
            readEverything(store.get(BOB).isPresent() ? new Connection[] {alice, bob} : new Connection[] {alice});
            runMaintenance();
            if (second < 30) {
                assertThat(store.get(BOB)).as("bob at %ds", second).containsSame(bob);
            } else {
                assertThat(store.get(BOB)).as("bob at %ds", second).isEmpty();
            }
        }

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(BOB, bob, EvictionCause.EXPIRED));
    }
}
