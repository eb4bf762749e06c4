package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.cluster.Cluster;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's side of the cluster. It takes what the cluster hands this instance: the log's messages, stamped with
 * the log's ids through the {@link Sequencer}; events the log could not take, stamped with this instance's own; and
 * the log's notices. It tells the other instances, through the log, of this instance's streams: a stream stored
 * under a key claims it, so that an older stream under the key on another instance is replaced, as on one instance;
 * and an {@code sfere-close} id is told to every instance, so that a reconnect with it is answered 204 on any.
 *
 * <p>Claims are ordered by the log: a claim of another instance's replaces this instance's stream under the key only
 * if this one's own claim came earlier in the log; a stream whose claim has not come back yet is newer, and the
 * other instance's stream is replaced when that claim reaches it. Called on the cluster's threads (the log's
 * messages one at a time, in order) and on request threads; thread-safe.
 */
final class ClusterReceiver implements Cluster.LocalDelivery {

    /**
     * The longest a reconnect waits for another instance's end to reach this one: the client may come back (a
     * browser after its reconnection delay, a second or so) before this instance has consumed it from the log.
     */
    private static final long END_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ConnectionStore store;
    private final Sequencer sequencer;
    private final Telemetry telemetry;
    /** This instance's streams whose claim has not come back from the log yet, with the claim's token. */
    private final ConcurrentHashMap<Stream, String> unclaimed = new ConcurrentHashMap<>();
    private final AtomicLong claims = new AtomicLong();

    ClusterReceiver(ConnectionStore store, Sequencer sequencer, Telemetry telemetry) {
        this.store = store;
        this.sequencer = sequencer;
        this.telemetry = telemetry;
    }

    @Override
    public void deliver(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                        OutboundSseEvent[] events) {
        sequencer.deliver(store, new History.Selection(pattern, excludeKeys, excludePattern), events);
    }

    @Override
    public void logOpened(String epoch, long last) {
        sequencer.logOpened(store, epoch, last);
    }

    @Override
    public void logged(Cluster.LogPosition at, KeyPattern pattern, Set<ConnectionKey> excludeKeys,
                       KeyPattern excludePattern, OutboundSseEvent[] events) {
        telemetry.cluster("received", events.length);
        sequencer.deliverLogged(store, at.epoch(), at.sequence(), at.last(), at.ageNanos(),
                new History.Selection(pattern, excludeKeys, excludePattern), events);
    }

    @Override
    public void noticed(Cluster.LogPosition at, Cluster.Notice notice) {
        if (!sequencer.noticed(store, at.epoch(), at.sequence(), at.last(), at.ageNanos())) {
            return;
        }
        switch (notice.kind()) {
            case CLAIMED -> {
                if (notice.own()) {
                    unclaimed.values().remove(notice.value());
                } else {
                    replace(notice.key());
                }
            }
            case ENDED -> {
                if (!notice.own()) {
                    sequencer.endedElsewhere(notice.key(), notice.value(), at.ageNanos());
                }
            }
            case LOST -> {
                if (!notice.own()) {
                    sequencer.lost(store);
                }
            }
        }
    }

    /** Another instance claimed a key later in the log than this one's stream under it: that stream is replaced. */
    private void replace(ConnectionKey key) {
        store.get(key).ifPresent(connection -> {
            if (connection instanceof Stream stream && !unclaimed.containsKey(stream)) {
                store.purge(stream, EvictionCause.REPLACED);
            }
        });
    }

    @Override
    public void dropped(int events) {
        telemetry.cluster("dropped", events);
    }

    /**
     * A stream is about to be stored under a key: it goes into the directory and claims the key, through the log.
     *
     * @param cluster the cluster, or null for none
     */
    void registering(Cluster cluster, ConnectionKey key, Stream stream) {
        if (cluster == null) {
            return;
        }
        cluster.registered(key);
        String token = Long.toString(claims.incrementAndGet());
        unclaimed.put(stream, token);
        cluster.tell(new Cluster.Notice(Cluster.Notice.Kind.CLAIMED, key, token, false));
    }

    /**
     * A stream under a key was removed: it leaves the directory.
     *
     * @param cluster the cluster, or null for none
     */
    void removed(Cluster cluster, ConnectionKey key, Connection connection) {
        if (cluster != null) {
            cluster.removed(key);
            unclaimed.remove(connection);
        }
    }

    /**
     * Whether a client reconnecting under a key with this last event id had its stream ended on purpose, here or on
     * another instance. With the cluster connected, an end of another instance's not known yet is waited for, up to
     * half a second; never while NATS cannot be reached.
     *
     * @param cluster the cluster, or null for none
     */
    boolean stays(Cluster cluster, ConnectionKey key, String lastEventId) {
        boolean connected = cluster != null && "connected".equals(cluster.state());
        return sequencer.ended(key, lastEventId, connected ? END_WAIT_NANOS : 0);
    }

    /**
     * A stream under a key was ended on purpose with an {@code sfere-close} of this id: every instance is told.
     *
     * @param cluster the cluster, or null for none
     */
    void ended(Cluster cluster, ConnectionKey key, String closeId) {
        if (cluster != null) {
            cluster.tell(new Cluster.Notice(Cluster.Notice.Kind.ENDED, key, closeId, false));
        }
    }
}
