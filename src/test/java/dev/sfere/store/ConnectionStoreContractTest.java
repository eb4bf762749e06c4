package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.internal.StoreSlots;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.spi.ConnectionStoreContract;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store contract, plus what the library's own stores keep beside it: the position indexes and the record each
 * connection carries for its store. One subclass per store configuration.
 */
abstract class ConnectionStoreContractTest extends ConnectionStoreContract {

    IndexView index() {
        return new IndexView(((IndexedStore) store).index);
    }

    @Override
    protected void assertConsistent() {
        assertIndexConsistent();
    }

    @Override
    protected void assertNothingLeftBehind() {
        assertThat(index().categories()).isEmpty();
        assertThat(index().scopes()).isEmpty();
        assertNoRecordLeft();
    }

    /** The library's stores keep their record on the connection, so one connection is held by one store. */
    @Test
    void store_connectionHeldByAnotherStore_throwsIllegalArgumentAndKeepsBoth() {
        ConnectionStore other = Stores.memory();
        Connection connection = newConnection();
        other.store(ALICE, connection);

        assertThatThrownBy(() -> store.store(ALICE, connection))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another store")
                .hasMessageContaining(ALICE.toString());

        assertThat(store.get(ALICE)).isEmpty();
        assertThat(store.keyOf(connection)).isEmpty();
        assertThat(store.purge(connection, EvictionCause.CLOSED)).isFalse();
        assertThat(other.get(ALICE)).containsSame(connection);
        assertThat(other.keyOf(connection)).contains(ALICE);

        // Once the other store lets it go, this one takes it.
        other.purge(ALICE);
        store.store(ALICE, connection);
        assertThat(store.keyOf(connection)).contains(ALICE);
        assertThat(other.keyOf(connection)).isEmpty();
    }

    @Test
    void index_afterStoreReplaceAndPurgeOfManyKeys_hasNoBuckets() {
        List<ConnectionKey> keys = new ArrayList<>();
        List<Connection> latest = new ArrayList<>();
        List<Connection> replaced = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ConnectionKey key = ConnectionKey.of("s" + i % 7, "c" + i % 11, "i" + i);
            keys.add(key);
            replaced.add(store.store(key, newConnection()));
            latest.add(store.store(key, newConnection()));
        }
        assertThat(replaced).allSatisfy(connection -> assertThat(StoreSlots.get(connection)).isNull());
        assertThat(index().scopes()).hasSize(7);
        assertThat(index().categories()).hasSize(11);
        assertThat(index().ids()).hasSize(300);

        for (int i = 0; i < keys.size(); i++) {
            if (i % 2 == 0) {
                assertThat(store.purge(keys.get(i))).isTrue();
            } else {
                assertThat(store.purge(latest.get(i), EvictionCause.CLOSED)).isTrue();
            }
        }
        runMaintenance();

        assertThat(store.keys()).isEmpty();
        assertThat(index().scopes()).isEmpty();
        assertThat(index().categories()).isEmpty();
        assertThat(index().ids()).isEmpty();
        assertThat(latest).allSatisfy(connection -> assertThat(StoreSlots.get(connection)).isNull());
        assertThat(removals.all()).hasSize(600);
    }

    @Test
    void index_afterPartialPurge_keepsOnlyBucketsOfLiveKeys() {
        store.store(ALICE, newConnection());
        store.store(BOB, newConnection());
        store.store(CAROL_GAME, newConnection());
        store.store(ALICE_ACME, newConnection());

        store.purge(CAROL_GAME);
        store.purge(ALICE_ACME);

        assertThat(index().scopes().keySet()).containsExactly("default");
        assertThat(index().categories().keySet()).containsExactly("lobby");
        assertThat(index().ids().keySet()).containsExactlyInAnyOrder("alice", "bob");
        assertIndexConsistent();
    }

    /** Every connection removed so far has had the store's record taken off it. */
    void assertNoRecordLeft() {
        assertThat(removals.all()).isNotEmpty().allSatisfy(removal ->
                assertThat(StoreSlots.get(removal.connection())).as("record of %s", removal.key()).isNull());
    }

    /** Every bucket is non-empty and the index holds exactly the stored connections. */
    void assertIndexConsistent() {
        List<ConnectionKey> keys = store.keys();
        for (Map<String, Set<Connection>> buckets : List.of(index().scopes(), index().categories(), index().ids())) {
            assertThat(buckets.values()).allSatisfy(bucket -> assertThat(bucket).isNotEmpty());
            assertThat(buckets.values().stream().mapToInt(Set::size).sum()).isEqualTo(keys.size());
        }
        for (ConnectionKey key : keys) {
            Connection connection = store.get(key).orElseThrow();
            assertThat(index().keyOf(connection)).isEqualTo(key);
            assertThat(index().scopes().get(key.scope())).contains(connection);
            assertThat(index().categories().get(key.category())).contains(connection);
            assertThat(index().ids().get(key.id())).contains(connection);
        }
    }
}
