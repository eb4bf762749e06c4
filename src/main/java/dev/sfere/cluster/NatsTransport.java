package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Broadcasts between instances, by core NATS publish/subscribe on one subject, in the {@link WireFormat}: the
 * sending instance delivers to its own streams itself, publishes once, and ignores its own message if the server
 * echoes it; every other instance delivers the message to its matching streams.
 *
 * <p>Publishing never blocks on the network: messages go to the client's buffer, and while the server cannot be
 * reached events for other instances are dropped. Thread-safe; received messages are delivered on the client's
 * dispatcher thread.
 */
final class NatsTransport {

    private static final Logger LOG = NatsCluster.LOG;

    private final NatsSettings settings;
    private final String instance;
    private final NatsConnection link;
    private final Cluster.LocalDelivery delivery;
    private final Function<Object, String> encoder;
    private final AtomicBoolean publishFailureLogged = new AtomicBoolean();
    /** Made with the first connection; the client moves its subscription to every later one. */
    private Dispatcher dispatcher;

    /**
     * A transport, subscribed once {@link #subscribe} is given a connection.
     *
     * @param settings the subject
     * @param instance this instance's id, which its messages carry
     * @param link     the connection to publish on
     * @param delivery delivers other instances' broadcasts to this instance's streams
     * @param encoder  turns event data that is neither text nor bytes into text
     */
    NatsTransport(NatsSettings settings, String instance, NatsConnection link, Cluster.LocalDelivery delivery,
                  Function<Object, String> encoder) {
        this.settings = settings;
        this.instance = instance;
        this.link = link;
        this.delivery = delivery;
        this.encoder = encoder;
    }

    /** Subscribes on a new connection, unless an earlier one did; called under the connection's lock. */
    void subscribe(Connection made) {
        if (dispatcher == null) {
            dispatcher = made.createDispatcher(this::onMessage);
            dispatcher.subscribe(settings.subject());
        }
    }

    /** The server is reachable again: a failure to publish is worth a warning again. */
    void reset() {
        publishFailureLogged.set(false);
    }

    private void onMessage(Message message) {
        WireFormat.Message decoded;
        try {
            decoded = WireFormat.decode(message.getData());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: ignoring a message on " + settings.subject() + " that is not the "
                    + "library's", e);
            return;
        }
        if (decoded.origin().equals(instance)) {
            return;
        }
        try {
            delivery.deliver(decoded.pattern(), decoded.excludeKeys(), decoded.excludePattern(), decoded.events());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: delivering another instance's broadcast failed", e);
        }
    }

    /** See {@link Cluster#publish}. */
    void publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                 OutboundSseEvent[] events) {
        Connection current = link.current();
        if (!link.isUp() || current == null) {
            link.failedOnce(publishFailureLogged, "the NATS server is not reachable; events for other instances "
                    + "are dropped until it is back", null);
            return;
        }
        try {
            current.publish(settings.subject(),
                    WireFormat.encode(instance, pattern, excludeKeys, excludePattern, events, encoder));
        } catch (RuntimeException e) {
            link.failedOnce(publishFailureLogged, "publishing to other instances failed; events for them are "
                    + "dropped until the NATS server is back", e);
        }
    }
}
