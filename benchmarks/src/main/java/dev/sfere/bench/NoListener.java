package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.engine.Engine;

/**
 * An engine listener that does nothing, for benchmarks that drive {@link Engine} without the CDI adapter: what they
 * measure must not include an observer's work. Stateless, so one instance serves every engine.
 */
public final class NoListener implements Engine.Listener {

    /** The shared instance. */
    public static final NoListener INSTANCE = new NoListener();

    private NoListener() {
    }

    @Override
    public void connected(ConnectionKey key, Resumption resumption) {
    }

    @Override
    public void evicted(ConnectionKey key, EvictionCause cause) {
    }
}
