package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Objects;

/** The {@link Connections}: this instance's store, behind the API, so applications need not import the SPI. */
@ApplicationScoped
class LibraryConnections implements Connections {

    private ConnectionStore store;
    private ConnectionLifecycle lifecycle;

    /** For the container's proxy only. */
    LibraryConnections() {
    }

    @Inject
    LibraryConnections(ConnectionStore store, ConnectionLifecycle lifecycle) {
        this.store = store;
        this.lifecycle = lifecycle;
    }

    @Override
    public boolean purge(ConnectionKey key) {
        Objects.requireNonNull(key, "key");
        // Started, so that the removal closes the stream and fires its event.
        lifecycle.engine();
        return store.purge(key, EvictionCause.EXPLICIT);
    }

    @Override
    public void touch(ConnectionKey key) {
        store.touch(Objects.requireNonNull(key, "key"));
    }

    @Override
    public boolean contains(ConnectionKey key) {
        return store.get(Objects.requireNonNull(key, "key")).isPresent();
    }

    @Override
    public Resumption resumption(ConnectionKey key) {
        return store.get(Objects.requireNonNull(key, "key")).map(lifecycle.engine()::resumption).orElse(null);
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        return store.keys(Objects.requireNonNull(pattern, "pattern"));
    }

    @Override
    public int count(KeyPattern pattern) {
        return store.count(Objects.requireNonNull(pattern, "pattern"));
    }
}
