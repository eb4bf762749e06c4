package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.List;
import java.util.Set;

/**
 * The other instances of the application, as the library sees them: where broadcasts go after local delivery, and
 * the directory of every instance's keys. Implementations never block the caller on the network and never throw
 * from {@link #publish}, {@link #registered} or {@link #removed}.
 */
public interface Cluster {

    /**
     * Asks every other instance to deliver events to its streams that match a pattern, minus exclusions. The
     * calling instance has delivered to its own streams already.
     *
     * @param pattern        the keys to reach
     * @param excludeKeys    keys to leave out, or null
     * @param excludePattern keys to leave out, or null
     * @param events         the events
     */
    void publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                 OutboundSseEvent[] events);

    /**
     * Records in the directory that this instance holds a key.
     *
     * @param key the key
     */
    void registered(ConnectionKey key);

    /**
     * Takes a key of this instance out of the directory.
     *
     * @param key the key
     */
    void removed(ConnectionKey key);

    /**
     * The keys matching a pattern on every instance, this one included. When the directory cannot be reached, only
     * this instance's keys.
     *
     * @param pattern the pattern
     * @return the keys, without repeats
     */
    List<ConnectionKey> keys(KeyPattern pattern);

    /**
     * The state of the connection to the other instances, for health checks: for example {@code connected} or
     * {@code disconnected}.
     *
     * @return the state, in lower case
     */
    default String state() {
        return "unknown";
    }

    /** Leaves the cluster: this instance's keys are taken out of the directory, as far as time allows. */
    void close();

    /** Delivery to this instance's own streams, for events that other instances published. */
    @FunctionalInterface
    interface LocalDelivery {
        /**
         * Delivers events to the local streams that match a pattern, minus exclusions.
         *
         * @param pattern        the keys to reach
         * @param excludeKeys    keys to leave out, or null
         * @param excludePattern keys to leave out, or null
         * @param events         the events
         */
        void deliver(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                     OutboundSseEvent[] events);
    }
}
