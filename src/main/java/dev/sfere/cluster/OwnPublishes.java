package dev.sfere.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What became of this instance's publishes of events, by message id, until each is settled: so that events
 * delivered here with this instance's own ids (the log could not take them in time) are skipped when they come back
 * from the log, and events the log took are not delivered here twice. Thread-safe.
 */
final class OwnPublishes {

    private enum State {
        /** Sent, not acknowledged. */
        PENDING,
        /** Consumed from the log before its acknowledgement came. */
        CONSUMED,
        /** Delivered here with this instance's own ids: skipped if it comes from the log. */
        LOCAL
    }

    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

    /** A publish was sent. */
    void sent(String id) {
        states.put(id, State.PENDING);
    }

    /** Its events were delivered here: skipped if it comes from the log. */
    void deliveredHere(String id) {
        states.put(id, State.LOCAL);
    }

    /** Settled (acknowledged, or dropped): nothing more to remember. */
    void settled(String id) {
        states.remove(id);
    }

    /**
     * A publish was not acknowledged.
     *
     * @return true if its events must be delivered here now: it has not come back from the log meanwhile
     */
    boolean unacknowledged(String id) {
        State state = states.computeIfPresent(id, (key, was) -> was == State.PENDING ? State.LOCAL : was);
        if (state != State.LOCAL) {
            states.remove(id);
            return false;
        }
        return true;
    }

    /**
     * A publish of this instance's came from the log.
     *
     * @return true if its events were delivered here already, so they must be skipped
     */
    boolean consumed(String id) {
        State state = states.computeIfPresent(id, (key, was) -> was == State.PENDING ? State.CONSUMED : was);
        if (state == State.LOCAL) {
            states.remove(id);
            return true;
        }
        return false;
    }
}
