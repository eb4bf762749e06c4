package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.Directory;
import dev.sfere.KeyPattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Objects;

/** The {@link Directory}: the cluster's when one is configured, else the local store's. */
@ApplicationScoped
class LibraryDirectory implements Directory {

    private ConnectionLifecycle lifecycle;

    /** For the container's proxy only. */
    LibraryDirectory() {
    }

    @Inject
    LibraryDirectory(ConnectionLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return lifecycle.engine().directoryKeys(pattern);
    }
}
