package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The log: a JetStream stream ({@link LogStream}) that carries every broadcast and direct send, in the
 * {@link WireFormat}. Every instance, the sender included, consumes it in order and hands each message to its
 * {@link Cluster.LocalDelivery}, with where it sits in the log; so every instance stamps it with the same id, and a
 * client resumes on any instance.
 *
 * <p>Publishing never blocks on the network. While the log cannot be reached (the connection is down, the stream is
 * being opened) the caller delivers locally, and the events are held (up to {@link #MAX_HELD}) and published once
 * the log is back, so the other instances get them late rather than never. A publish whose acknowledgement fails is
 * delivered locally and held too; every publish carries a message id, so the server stores it at most once, and
 * this instance skips a message it already delivered itself when it comes back from the log.
 *
 * <p>The consumer is this class's own: an ephemeral push consumer without acknowledgements, started where the last
 * one stopped. A message already consumed is ignored; a gap in the middle of a subscription (messages the client
 * dropped) starts a new one where the gap began; a gap at its start (messages the log no longer holds) goes on to
 * the delivery, which resets its streams. Messages are delivered on the client's dispatcher thread, one at a time.
 * Thread-safe.
 */
final class NatsLog {

    private static final Logger LOG = NatsCluster.LOG;
    /** The most events held for the other instances while the log cannot be reached; beyond, the oldest go. */
    static final int MAX_HELD = 10_000;
    private static final String MESSAGE_ID = "Nats-Msg-Id";

    /** What became of a publish of this instance's, until it is settled. */
    private enum Own {
        /** Sent, not acknowledged. */
        PENDING,
        /** Consumed from the log before its acknowledgement came. */
        CONSUMED,
        /** Delivered here with this instance's own ids: skipped if it comes from the log. */
        LOCAL
    }

    /** A message held for the log. */
    private record Held(String id, byte[] payload, int events) { }

    private final NatsSettings settings;
    private final String instance;
    private final NatsConnection link;
    private final Cluster.LocalDelivery delivery;
    private final Function<Object, String> encoder;
    private final ScheduledExecutorService worker;
    private final AtomicLong published = new AtomicLong();
    private final ConcurrentHashMap<String, Own> own = new ConcurrentHashMap<>();
    private final AtomicBoolean publishFailureLogged = new AtomicBoolean();
    private final AtomicBoolean heldDropLogged = new AtomicBoolean();
    private final AtomicBoolean openFailureLogged = new AtomicBoolean();
    /** Set while a retry of the held events is scheduled. */
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    /** Guarded by itself, oldest first. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Set once the log is open; null while it cannot be reached or is being opened. */
    private volatile JetStream jetStream;
    /** Guarded by {@code this}: made with the first connection; the client moves it to every later one. */
    private Dispatcher dispatcher;
    /** Guarded by {@code this}. */
    private JetStreamSubscription subscription;
    /** Guarded by {@code this}: counts subscriptions; a message of an earlier one is ignored. */
    private int generation;
    /** Guarded by {@code this}: the epoch of the log consumed, or null. */
    private String epoch;
    /** Guarded by {@code this}: the log sequence expected next, or 0 for any. */
    private long next;
    /** Guarded by {@code this}: the subscription delivered nothing yet. */
    private boolean fresh;

    /**
     * A log, opened once the connection is up.
     *
     * @param settings the stream
     * @param instance this instance's id, which starts its message ids
     * @param link     the connection
     * @param delivery where consumed messages go
     * @param encoder  turns event data that is neither text nor bytes into text
     * @param worker   the cluster's own thread, which opens the log
     */
    NatsLog(NatsSettings settings, String instance, NatsConnection link, Cluster.LocalDelivery delivery,
            Function<Object, String> encoder, ScheduledExecutorService worker) {
        this.settings = settings;
        this.instance = instance;
        this.link = link;
        this.delivery = delivery;
        this.encoder = encoder;
        this.worker = worker;
    }

    /** Makes the dispatcher on the first connection; called under the connection's lock. */
    void attach(Connection made) {
        dispatcherFor(made);
    }

    /** The server is reachable (again): the log is opened on the cluster's thread. */
    void connected() {
        jetStream = null;
        publishFailureLogged.set(false);
        openFailureLogged.set(false);
        submit(this::open);
    }

    /** See {@link Cluster#publish}. */
    boolean publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                    OutboundSseEvent[] events) {
        byte[] payload;
        try {
            payload = WireFormat.encode(instance, pattern, excludeKeys, excludePattern, events, encoder);
        } catch (RuntimeException e) {
            link.failedOnce(publishFailureLogged, "encoding events for the other instances failed; they are "
                    + "delivered on this instance only", e);
            return false;
        }
        String id = instance + '-' + published.incrementAndGet();
        Held message = new Held(id, payload, events.length);
        JetStream js = jetStream;
        if (js == null || !link.isUp()) {
            hold(message);
            link.failedOnce(publishFailureLogged, "the cluster's log cannot be reached; delivering locally, and "
                    + "holding events for the other instances until it is back", null);
            return false;
        }
        own.put(id, Own.PENDING);
        try {
            js.publishAsync(settings.subject(), payload, options(id)).whenComplete((ack, error) -> {
                if (error == null) {
                    own.remove(id);
                } else {
                    failed(message, error, pattern, excludeKeys, excludePattern, events);
                }
            });
            return true;
        } catch (RuntimeException e) {
            // The client refuses at once (its outgoing queue is full, say): this instance delivers now.
            hold(message);
            link.failedOnce(publishFailureLogged, "publishing to the cluster's log failed; delivering locally, "
                    + "and holding events for the other instances until it is back", e);
            return false;
        }
    }

    /** A publish was not acknowledged: unless it came back from the log meanwhile, it is delivered here now. */
    private void failed(Held message, Throwable error, KeyPattern pattern, Set<ConnectionKey> excludeKeys,
                        KeyPattern excludePattern, OutboundSseEvent[] events) {
        Own state = own.computeIfPresent(message.id(), (id, was) -> was == Own.PENDING ? Own.LOCAL : was);
        if (state != Own.LOCAL) {
            own.remove(message.id());
            return;
        }
        link.failedOnce(publishFailureLogged, "the cluster's log did not acknowledge a publish; delivering "
                + "locally, and holding events for the other instances until it is back", error);
        synchronized (held) {
            held.addLast(message);
        }
        retryHeldLater();
        try {
            delivery.deliver(pattern, excludeKeys, excludePattern, events);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: delivering an unacknowledged broadcast locally failed", e);
        }
    }

    private void hold(Held message) {
        own.put(message.id(), Own.LOCAL);
        synchronized (held) {
            held.addLast(message);
            while (held.size() > MAX_HELD) {
                Held oldest = held.removeFirst();
                own.remove(oldest.id());
                delivery.dropped(oldest.events());
                link.failedOnce(heldDropLogged, "more than " + MAX_HELD + " events are held for the other "
                        + "instances while the cluster's log cannot be reached; the oldest are dropped", null);
            }
        }
    }

    private PublishOptions options(String id) {
        return PublishOptions.builder().messageId(id).expectedStream(settings.stream()).build();
    }

    /** Opens the log: makes the stream if gone, subscribes where the last one stopped, publishes what was held. */
    private void open() {
        Connection current = link.current();
        if (!link.isUp() || current == null) {
            return;
        }
        jetStream = null;
        try {
            StreamInfo info = LogStream.ensure(current.jetStreamManagement(), settings);
            String opened = LogStream.epoch(info);
            int number;
            long start;
            synchronized (this) {
                stopSubscription();
                number = ++generation;
                if (!opened.equals(epoch)) {
                    epoch = opened;
                    next = 0;
                }
                start = next;
                fresh = true;
                delivery.logOpened(opened, info.getStreamState().getLastSequence());
            }
            JetStream js = current.jetStream(JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(2)).build());
            JetStreamSubscription made = js.subscribe(settings.subject(), dispatcherFor(current),
                    message -> onMessage(number, message), false, subscribeOptions(start));
            synchronized (this) {
                if (number != generation) {
                    made.unsubscribe();
                    return;
                }
                subscription = made;
            }
            jetStream = js;
            publishHeld(js);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            link.failedOnce(openFailureLogged, "opening the cluster's log " + settings.stream() + " failed; "
                    + "delivering locally, and trying again every second", e);
            schedule(this::open, 1);
        }
    }

    private synchronized Dispatcher dispatcherFor(Connection current) {
        if (dispatcher == null) {
            dispatcher = current.createDispatcher();
        }
        return dispatcher;
    }

    private PushSubscribeOptions subscribeOptions(long start) {
        ConsumerConfiguration.Builder consumer = ConsumerConfiguration.builder().ackPolicy(AckPolicy.None)
                .memStorage(true).inactiveThreshold(Duration.ofSeconds(30));
        consumer = start > 0 ? consumer.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(start)
                : consumer.deliverPolicy(DeliverPolicy.All);
        return PushSubscribeOptions.builder().stream(settings.stream()).configuration(consumer.build()).build();
    }

    private void publishHeld(JetStream js) {
        List<Held> again;
        synchronized (held) {
            again = new ArrayList<>(held);
            held.clear();
        }
        for (Held message : again) {
            try {
                js.publishAsync(settings.subject(), message.payload(), options(message.id()))
                        .whenComplete((ack, error) -> {
                            if (error != null) {
                                hold(message);
                                retryHeldLater();
                            }
                        });
            } catch (RuntimeException e) {
                hold(message);
                retryHeldLater();
            }
        }
    }

    /**
     * Publishes the held events again in a second, if the log is open then: a publish can fail while the connection
     * stays up (the server still recovering its streams), and nothing else would retry before a reconnection.
     */
    private void retryHeldLater() {
        if (!retryScheduled.compareAndSet(false, true)) {
            return;
        }
        schedule(() -> {
            retryScheduled.set(false);
            JetStream js = jetStream;
            if (js != null && link.isUp()) {
                publishHeld(js);
            }
        }, 1);
    }

    /** With the lock held: stops the current subscription, whose messages are ignored from now on. */
    private void stopSubscription() {
        generation++;
        if (subscription != null) {
            try {
                subscription.unsubscribe();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Sfere: ending a subscription to the log failed", e);
            }
            subscription = null;
        }
    }

    private void onMessage(int number, Message message) {
        synchronized (this) {
            if (number != generation) {
                return;
            }
            NatsJetStreamMetaData meta = message.metaData();
            long sequence = meta.streamSequence();
            if (next != 0 && sequence < next) {
                return;
            }
            if (next != 0 && sequence > next && !fresh) {
                // Messages between were dropped on the way (the client's buffer was full): the log still holds
                // them, so a new subscription starts where they begin.
                LOG.fine(() -> "Sfere: log message " + sequence + " came when " + next + " was expected; "
                        + "subscribing again from there");
                stopSubscription();
                submit(this::open);
                return;
            }
            fresh = false;
            next = sequence + 1;
            deliver(message, meta, sequence);
        }
    }

    /** With the lock held: hands a consumed message to the delivery. */
    private void deliver(Message message, NatsJetStreamMetaData meta, long sequence) {
        WireFormat.Message decoded;
        try {
            decoded = WireFormat.decode(message.getData());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: ignoring message " + sequence + " of the log " + settings.stream()
                    + ", which is not the library's", e);
            decoded = new WireFormat.Message("", KeyPattern.all(), null, null, new OutboundSseEvent[0]);
        }
        OutboundSseEvent[] events = decoded.events();
        Headers headers = message.getHeaders();
        String id = headers == null ? null : headers.getFirst(MESSAGE_ID);
        if (id != null && decoded.origin().equals(instance)) {
            Own state = own.computeIfPresent(id, (key, was) -> was == Own.PENDING ? Own.CONSUMED : was);
            if (state == Own.LOCAL) {
                own.remove(id);
                events = new OutboundSseEvent[0];
            }
        }
        long age = Math.max(0, Duration.between(meta.timestamp().toInstant(), Instant.now()).toNanos());
        try {
            delivery.logged(new Cluster.LogPosition(epoch, sequence, sequence + meta.pendingCount(), age),
                    decoded.pattern(), decoded.excludeKeys(), decoded.excludePattern(), events);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: delivering message " + sequence + " of the log failed", e);
        }
    }

    private void submit(Runnable task) {
        schedule(task, 0);
    }

    private void schedule(Runnable task, long seconds) {
        try {
            worker.schedule(task, seconds, TimeUnit.SECONDS);
        } catch (RejectedExecutionException closing) {
            retryScheduled.set(false);
        }
    }

    /** Stops consuming; the connection is closed by the cluster. */
    synchronized void close() {
        stopSubscription();
        jetStream = null;
    }
}
