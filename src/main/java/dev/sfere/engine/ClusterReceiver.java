package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.cluster.Cluster;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Set;

/**
 * What the cluster hands this instance: the log's messages, stamped with the log's ids through the
 * {@link Sequencer}, and events the log could not take, stamped with this instance's own. Called on the cluster's
 * threads (the log's messages one at a time, in order); thread-safe.
 */
final class ClusterReceiver implements Cluster.LocalDelivery {

    private final ConnectionStore store;
    private final Sequencer sequencer;
    private final Telemetry telemetry;

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
    public void dropped(int events) {
        telemetry.cluster("dropped", events);
    }
}
