package dev.sfere;

import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Set;

/**
 * Sends events to registered SSE streams: to one key, or to every key matching a {@link KeyPattern}, optionally
 * minus a set of keys or minus a second pattern. Inject it anywhere: {@code @Inject Broadcaster broadcaster;}.
 *
 * <p>Calls never write to the network themselves: they queue the events for each matching stream, and the
 * library's delivery threads write them. A stream that fails (its client went away) is purged with cause
 * {@link EvictionCause#CLOSED}, one that cannot keep up with cause {@link EvictionCause#SLOW}; delivery to the
 * other streams goes on, and no exception from a stream reaches the caller. Each method returns how many streams of
 * this instance accepted the events. The events of one call arrive at each stream together and in order.
 *
 * <p>With a cluster configured ({@code sfere.cluster.type=nats}), every call also reaches the matching streams of
 * the other instances, once each; those are not counted in the result. The events then go through the cluster's
 * log, from which every instance, this one included, queues them a moment later, so the result counts this
 * instance's streams that the call selects rather than those that accepted the events (the same unless a stream
 * fails meanwhile).
 *
 * <p>A null key, pattern, exclude or array of events fails with a {@link NullPointerException} naming it; no event,
 * a null event or a null in the exclude set with an {@link IllegalArgumentException}; either before anything is
 * sent.
 *
 * <p>Thread-safe. Calls may be made from any thread, including from inside an {@link SfereEvicted} or
 * {@link SfereConnected} observer.
 */
public interface Broadcaster {

    /**
     * Sends events to the stream under one key.
     *
     * @param key    the exact key
     * @param events the events, written in order
     * @return 1 if this instance has the stream and it accepted the events, else 0
     */
    int send(ConnectionKey key, OutboundSseEvent... events);

    /**
     * Gives a stream that is opening, new or reset, its first events: a snapshot of the application's state. Called
     * from the {@code @SfereKey} method (or an observer of {@link SfereConnected}) before it returns, the events come
     * first on the stream, ahead of events other threads sent it while it opened, which are dropped: the snapshot
     * already reflects them, and the stream's ids keep increasing. On a resumed stream, or once the method has
     * returned, this is {@link #send(ConnectionKey, OutboundSseEvent...)}.
     *
     * @param key    the exact key
     * @param events the events, written in order
     * @return 1 if this instance has the stream and it accepted the events, else 0
     */
    int snapshot(ConnectionKey key, OutboundSseEvent... events);

    /**
     * A snapshot of one event made by {@link #event(String, Object)}; see
     * {@link #snapshot(ConnectionKey, OutboundSseEvent...)}.
     *
     * @param key  the exact key
     * @param name the event name
     * @param data the data
     * @return 1 if this instance has the stream and it accepted the event, else 0
     */
    default int snapshot(ConnectionKey key, String name, Object data) {
        return snapshot(key, event(name, data));
    }

    /**
     * Sends events to every stream whose key matches a pattern.
     *
     * @param pattern the pattern
     * @param events  the events
     * @return the number of this instance's streams that accepted the events
     */
    int broadcast(KeyPattern pattern, OutboundSseEvent... events);

    /**
     * Sends events to every stream whose key matches a pattern and is not in an exclude set.
     *
     * @param pattern the pattern
     * @param exclude keys to leave out
     * @param events  the events
     * @return the number of this instance's streams that accepted the events
     */
    int broadcast(KeyPattern pattern, Set<ConnectionKey> exclude, OutboundSseEvent... events);

    /**
     * Sends events to every stream whose key matches a pattern and does not match an exclude pattern.
     *
     * @param pattern the pattern
     * @param exclude keys matching this are left out
     * @param events  the events
     * @return the number of this instance's streams that accepted the events
     */
    int broadcast(KeyPattern pattern, KeyPattern exclude, OutboundSseEvent... events);

    /**
     * Makes an event from a name and a data object, encoding the data once: a {@link CharSequence} as it is,
     * anything else as JSON through JSON-B.
     *
     * @param name the event name, or null for the default {@code message}
     * @param data the data
     * @return the event
     * @throws IllegalArgumentException if the name contains CR or LF, or the data is null
     * @throws IllegalStateException    if the data needs JSON and no JSON-B implementation is available
     */
    OutboundSseEvent event(String name, Object data);

    /**
     * Sends one event made by {@link #event(String, Object)} to the stream under one key.
     *
     * @param key  the exact key
     * @param name the event name
     * @param data the data
     * @return 1 if this instance has the stream and it accepted the event, else 0
     */
    default int send(ConnectionKey key, String name, Object data) {
        return send(key, event(name, data));
    }

    /**
     * Sends one event made by {@link #event(String, Object)} to every stream matching a pattern.
     *
     * @param pattern the pattern
     * @param name    the event name
     * @param data    the data
     * @return the number of this instance's streams that accepted the events
     */
    default int broadcast(KeyPattern pattern, String name, Object data) {
        return broadcast(pattern, event(name, data));
    }

    /**
     * Sends one event made by {@link #event(String, Object)} to every stream matching a pattern, minus a set.
     *
     * @param pattern the pattern
     * @param exclude keys to leave out
     * @param name    the event name
     * @param data    the data
     * @return the number of this instance's streams that accepted the events
     */
    default int broadcast(KeyPattern pattern, Set<ConnectionKey> exclude, String name, Object data) {
        return broadcast(pattern, exclude, event(name, data));
    }

    /**
     * Sends one event made by {@link #event(String, Object)} to every stream matching a pattern, minus a pattern.
     *
     * @param pattern the pattern
     * @param exclude keys matching this are left out
     * @param name    the event name
     * @param data    the data
     * @return the number of this instance's streams that accepted the events
     */
    default int broadcast(KeyPattern pattern, KeyPattern exclude, String name, Object data) {
        return broadcast(pattern, exclude, event(name, data));
    }
}
