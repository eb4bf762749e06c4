package dev.sfere.store;

import dev.sfere.spi.RecordingListener;
import dev.sfere.EvictionCause;
import dev.sfere.spi.Connection;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract on a Caffeine store with fixed expiry: a connection lives for the duration from when it was stored. */
class CaffeineFixedStoreTest extends CaffeineStoreContractTest {

    @Override
    ExpiryMode mode() {
        return ExpiryMode.FIXED;
    }

    @Test
    void expiry_happensAtStoreTimePlusDuration() {
        Connection alice = newConnection();
        Connection bob = newConnection();
        store.store(ALICE, alice);
        advance(Duration.ofSeconds(10));
        store.store(BOB, bob);

        advance(Duration.ofSeconds(20).minus(ONE_NANO));
        runMaintenance();
        assertThat(store.keys()).containsExactlyInAnyOrder(ALICE, BOB);
        assertThat(store.keys(LOBBY)).containsExactlyInAnyOrder(ALICE, BOB);

        // Pattern walks see the expiry at the same nanosecond as reads, before any maintenance.
        advance(ONE_NANO);
        assertThat(store.keys(LOBBY)).containsExactly(BOB);
        assertThat(store.count(LOBBY)).isEqualTo(1);
        assertThat(store.keys()).containsExactly(BOB);
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));

        advance(Duration.ofSeconds(10).minus(WHEEL_TICK).minus(ONE_NANO));
        runMaintenance();
        assertThat(store.get(BOB)).containsSame(bob);

        advance(ONE_NANO);
        assertThat(store.keys()).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();
        assertThat(removals.of(bob)).containsExactly(new RecordingListener.Removal(BOB, bob, EvictionCause.EXPIRED));
        assertThat(removals.all()).hasSize(2);
    }

    @Test
    void touch_doesNotExtend() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(Duration.ofSeconds(20));

        store.touch(ALICE);
        advance(Duration.ofSeconds(10));
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
    }

    @Test
    void storeSameConnectionAgain_doesNotExtend() {
        Connection alice = newConnection();
        store.store(ALICE, alice);
        advance(Duration.ofSeconds(20));

        store.store(ALICE, alice);
        advance(Duration.ofSeconds(10));
        assertThat(store.get(ALICE)).isEmpty();
        advance(WHEEL_TICK);
        runMaintenance();

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(removals.all()).containsExactly(new RecordingListener.Removal(ALICE, alice, EvictionCause.EXPIRED));
    }
}
