package dev.sfere.store;

import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract on the in-memory store. */
class MemoryStoreTest extends ConnectionStoreContractTest {

    @Override
    protected ConnectionStore newStore() {
        return Stores.memory();
    }

    @Test
    void touch_isNoOp() {
        Connection alice = newConnection();
        store.store(ALICE, alice);

        store.touch(ALICE);
        store.touch(BOB);

        assertThat(store.get(ALICE)).containsSame(alice);
        assertThat(store.get(BOB)).isEmpty();
        assertThat(store.keys()).containsExactly(ALICE);
        assertThat(store.count(KeyPattern.all())).isEqualTo(1);
        assertThat(store.keyOf(alice)).contains(ALICE);
        assertThat(removals.all()).isEmpty();
    }
}
