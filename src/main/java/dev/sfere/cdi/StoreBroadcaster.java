package dev.sfere.cdi;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Objects;
import java.util.Set;

/** The {@link Broadcaster}: this instance's streams through the store, then the other instances, if any. */
@ApplicationScoped
class StoreBroadcaster implements Broadcaster {

    private ConnectionLifecycle lifecycle;

    /** For the container's proxy only. */
    StoreBroadcaster() {
    }

    @Inject
    StoreBroadcaster(ConnectionLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public int send(ConnectionKey key, OutboundSseEvent... events) {
        Objects.requireNonNull(key, "key");
        return deliver(KeyPattern.exactly(key), null, null, events);
    }

    @Override
    public int snapshot(ConnectionKey key, OutboundSseEvent... events) {
        Objects.requireNonNull(key, "key");
        check(events);
        return lifecycle.engine().snapshot(key, events);
    }

    @Override
    public int broadcast(KeyPattern pattern, OutboundSseEvent... events) {
        return deliver(pattern, null, null, events);
    }

    @Override
    public int broadcast(KeyPattern pattern, Set<ConnectionKey> exclude, OutboundSseEvent... events) {
        Objects.requireNonNull(exclude, "exclude");
        // Iterated, not contains(null), which immutable sets answer with an exception. Locally a null excludes
        // nothing, but the cluster cannot encode it, and the other instances would miss the events.
        for (ConnectionKey key : exclude) {
            if (key == null) {
                throw new IllegalArgumentException("exclude holds a null key");
            }
        }
        return deliver(pattern, exclude, null, events);
    }

    @Override
    public int broadcast(KeyPattern pattern, KeyPattern exclude, OutboundSseEvent... events) {
        Objects.requireNonNull(exclude, "exclude");
        return deliver(pattern, null, exclude, events);
    }

    @Override
    public OutboundSseEvent event(String name, Object data) {
        if (data == null) {
            throw new IllegalArgumentException("event data must not be null");
        }
        String text = data instanceof CharSequence chars ? chars.toString() : JsonText.encode(data);
        return OutboundEvents.text(name, text);
    }

    /** Delivers to this instance's streams, then hands the events to the other instances, if any. */
    private int deliver(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                        OutboundSseEvent[] events) {
        Objects.requireNonNull(pattern, "pattern");
        check(events);
        return lifecycle.engine().deliver(pattern, excludeKeys, excludePattern, events);
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
