package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.List;
import java.util.Set;

/**
 * The other instances of the application, as the library sees them: the log that carries every broadcast and direct
 * send to every instance (this one included) in one order, and the directory of every instance's keys.
 * Implementations never block the caller on the network and never throw from {@link #publish}, {@link #registered}
 * or {@link #removed}.
 */
public interface Cluster {

    /**
     * Hands events for the streams that match a pattern, minus exclusions, to every instance.
     *
     * @param pattern        the keys to reach
     * @param excludeKeys    keys to leave out, or null
     * @param excludePattern keys to leave out, or null
     * @param events         the events
     * @return true if the log took them: they reach this instance's streams too, through
     *         {@link LocalDelivery#logged}, once consumed; false if the caller must deliver them to this instance's
     *         streams now (the log cannot be reached), and the cluster hands them to the others when it can
     */
    boolean publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                    OutboundSseEvent[] events);

    /**
     * Tells every instance, this one included, something about this instance's streams, through the log in its
     * order (held while the log cannot be reached, like events). Never blocks or throws.
     *
     * @param notice what to tell; {@link Notice#own()} is ignored
     */
    default void tell(Notice notice) {
    }

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

    /**
     * Delivery to this instance's own streams. The log's messages come through {@link #logOpened} and
     * {@link #logged}, one at a time, in the log's order; the defaults suit a receiver that keeps no history.
     */
    @FunctionalInterface
    interface LocalDelivery {
        /**
         * Delivers events to the local streams that match a pattern, minus exclusions, with this instance's own
         * ids: for events the log could not take.
         *
         * @param pattern        the keys to reach
         * @param excludeKeys    keys to leave out, or null
         * @param excludePattern keys to leave out, or null
         * @param events         the events
         */
        void deliver(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                     OutboundSseEvent[] events);

        /**
         * The log is being consumed, from its first message held for a new epoch, or on from the last one consumed.
         *
         * @param epoch what identifies the log's incarnation, the same on every instance
         * @param last  the log's last sequence now
         */
        default void logOpened(String epoch, long last) {
        }

        /**
         * A message of the log, in the log's order.
         *
         * @param at             where it sits in the log
         * @param pattern        the keys to reach
         * @param excludeKeys    keys to leave out, or null
         * @param excludePattern keys to leave out, or null
         * @param events         the events; none for a message this instance delivered already with its own ids
         */
        default void logged(LogPosition at, KeyPattern pattern, Set<ConnectionKey> excludeKeys,
                            KeyPattern excludePattern, OutboundSseEvent[] events) {
            if (events.length > 0) {
                deliver(pattern, excludeKeys, excludePattern, events);
            }
        }

        /**
         * A notice of the log, in the log's order among its messages: like a message with no events, it takes a
         * sequence of the log.
         *
         * @param at     where it sits in the log
         * @param notice what it tells
         */
        default void noticed(LogPosition at, Notice notice) {
        }

        /**
         * Events held for the other instances while the log could not be reached were dropped, the oldest first,
         * because too many were held: those instances never get them.
         *
         * @param events how many events
         */
        default void dropped(int events) {
        }
    }

    /**
     * What an instance tells the others about its streams through the log, beside events.
     *
     * @param kind  what happened
     * @param key   the key it concerns; null for {@link Kind#LOST}
     * @param value the claim's token for {@link Kind#CLAIMED}, the {@code sfere-close} id for {@link Kind#ENDED}
     * @param own   whether this instance told it (set by the log when it is consumed)
     */
    record Notice(Kind kind, ConnectionKey key, String value, boolean own) {

        /** What a notice tells. */
        public enum Kind {
            /** The instance stored a stream under the key: an older one elsewhere is replaced. */
            CLAIMED,
            /** The instance ended the key's stream on purpose with an {@code sfere-close} of this id. */
            ENDED,
            /**
             * The instance dropped events it held for the others while the log could not be reached: their streams
             * may have missed some, so they are reset.
             */
            LOST
        }
    }

    /**
     * Where a message sits in the log.
     *
     * @param epoch    what identifies the log's incarnation
     * @param sequence its sequence in the log
     * @param last     the log's last sequence, as far as the message tells (its sequence plus those pending)
     * @param ageNanos how long ago the log stored it
     */
    record LogPosition(String epoch, long sequence, long last, long ageNanos) {
    }
}
