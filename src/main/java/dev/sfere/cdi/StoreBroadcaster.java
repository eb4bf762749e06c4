package dev.sfere.cdi;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/** The {@link Broadcaster} over the application's {@link ConnectionStore}. */
@ApplicationScoped
class StoreBroadcaster implements Broadcaster {

    private ConnectionStore store;
    private ConnectionLifecycle lifecycle;

    /** For the container's proxy only. */
    StoreBroadcaster() {
    }

    @Inject
    StoreBroadcaster(ConnectionStore store, ConnectionLifecycle lifecycle) {
        this.store = store;
        this.lifecycle = lifecycle;
    }

    @Override
    public int send(ConnectionKey key, OutboundSseEvent... events) {
        Objects.requireNonNull(key, "key");
        check(events);
        lifecycle.ensureStarted();
        Connection connection = store.get(key).orElse(null);
        return connection != null && connection.send(events) ? 1 : 0;
    }

    @Override
    public int broadcast(KeyPattern pattern, OutboundSseEvent... events) {
        return deliver(pattern, key -> false, events);
    }

    @Override
    public int broadcast(KeyPattern pattern, Set<ConnectionKey> exclude, OutboundSseEvent... events) {
        Objects.requireNonNull(exclude, "exclude");
        return deliver(pattern, exclude::contains, events);
    }

    @Override
    public int broadcast(KeyPattern pattern, KeyPattern exclude, OutboundSseEvent... events) {
        Objects.requireNonNull(exclude, "exclude");
        return deliver(pattern, exclude::matches, events);
    }

    @Override
    public OutboundSseEvent event(String name, Object data) {
        if (data == null) {
            throw new IllegalArgumentException("event data must not be null");
        }
        String text = data instanceof CharSequence chars ? chars.toString() : JsonText.encode(data);
        return OutboundEvents.text(name, text);
    }

    private int deliver(KeyPattern pattern, Predicate<ConnectionKey> excluded, OutboundSseEvent[] events) {
        Objects.requireNonNull(pattern, "pattern");
        check(events);
        lifecycle.ensureStarted();
        int[] reached = new int[1];
        store.forEach(pattern, (key, connection) -> {
            if (!excluded.test(key) && connection.send(events)) {
                reached[0]++;
            }
        });
        return reached[0];
    }

    private static void check(OutboundSseEvent[] events) {
        Objects.requireNonNull(events, "events");
        if (events.length == 0) {
            throw new IllegalArgumentException("at least one event is needed");
        }
        for (int i = 0; i < events.length; i++) {
            if (events[i] == null) {
                throw new IllegalArgumentException("events[" + i + "] is null");
            }
        }
    }
}
