package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.cluster.HeldMessages.Held;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
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
 * being opened) the caller delivers locally, and the events are held ({@link HeldMessages}) and published once
 * the log is back, so the other instances get them late rather than never (or, if some had to be dropped, reset).
 * A publish whose acknowledgement fails is delivered locally and held too; every publish carries a message id, so
 * the server stores it at most once, and this instance skips a message it already delivered itself when it comes
 * back from the log ({@link OwnPublishes}). {@link Cluster.Notice Notices} travel the same way.
 *
 * <p>The consumer is this class's own: an ephemeral push consumer without acknowledgements, started where the last
 * one stopped. A message already consumed is ignored; a gap in the middle of a subscription (messages the client
 * dropped) starts a new one where the gap began; a gap at its start (messages the log no longer holds) goes on to
 * the delivery, which resets its streams. Messages are delivered on the client's dispatcher thread, one at a time.
 * Thread-safe.
 */
final class NatsLog {

    private static final Logger LOG = NatsCluster.LOG;
    private static final String MESSAGE_ID = "Nats-Msg-Id";

    private final NatsSettings settings;
    private final String instance;
    private final NatsConnection link;
    private final Cluster.LocalDelivery delivery;
    private final Function<Object, String> encoder;
    private final ScheduledExecutorService worker;
    private final AtomicLong published = new AtomicLong();
    private final OwnPublishes own = new OwnPublishes();
    private final AtomicBoolean publishFailureLogged = new AtomicBoolean();
    private final AtomicBoolean heldDropLogged = new AtomicBoolean();
    private final AtomicBoolean openFailureLogged = new AtomicBoolean();
    /** Set while a retry of the held events is scheduled. */
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    private final HeldMessages held = new HeldMessages();
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
        return send(new Held(nextId(), payload, events.length, false), () -> {
            try {
                delivery.deliver(pattern, excludeKeys, excludePattern, events);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Sfere: delivering an unacknowledged broadcast locally failed", e);
            }
        });
    }

    /** See {@link Cluster#tell}. */
    void tell(Cluster.Notice notice) {
        send(new Held(nextId(), WireFormat.encode(instance, notice), 0, notice.kind() == Cluster.Notice.Kind.LOST),
                null);
    }

    private String nextId() {
        return instance + '-' + published.incrementAndGet();
    }

    /**
     * Publishes a message, or holds it while the log cannot be reached.
     *
     * @param local delivers a message of events here with this instance's own ids, if its publish is not
     *              acknowledged; null for a notice
     * @return whether the log took it (its events reach this instance from the log)
     */
    private boolean send(Held message, Runnable local) {
        JetStream js = jetStream;
        if (js == null || !link.isUp()) {
            hold(message, local != null);
            link.failedOnce(publishFailureLogged, "the cluster's log cannot be reached; delivering locally, and "
                    + "holding events for the other instances until it is back", null);
            return false;
        }
        String id = message.id();
        if (local != null) {
            own.sent(id);
        }
        try {
            js.publishAsync(settings.subject(), message.payload(), LogStream.publishOptions(settings, id)).whenComplete((ack, error) -> {
                if (error == null) {
                    own.settled(id);
                } else if (local == null) {
                    hold(message, false);
                    retryHeldLater();
                } else {
                    failed(message, error, local);
                }
            });
            return true;
        } catch (RuntimeException e) {
            // The client refuses at once (its outgoing queue is full, say): this instance delivers now.
            hold(message, local != null);
            link.failedOnce(publishFailureLogged, "publishing to the cluster's log failed; delivering locally, "
                    + "and holding events for the other instances until it is back", e);
            return false;
        }
    }

    /** A publish was not acknowledged: unless it came back from the log meanwhile, it is delivered here now. */
    private void failed(Held message, Throwable error, Runnable local) {
        if (!own.unacknowledged(message.id())) {
            return;
        }
        link.failedOnce(publishFailureLogged, "the cluster's log did not acknowledge a publish; delivering "
                + "locally, and holding events for the other instances until it is back", error);
        hold(message, false);
        retryHeldLater();
        local.run();
    }

    /**
     * Holds a message for the log; beyond {@link HeldMessages#MAX_HELD}, the oldest go, and a lost notice goes first
     * among those held, so that the other instances reset their streams rather than miss events silently.
     *
     * @param delivered the message's events are delivered here: it is skipped when it comes back from the log
     */
    private void hold(Held message, boolean delivered) {
        if (delivered) {
            own.deliveredHere(message.id());
        }
        List<Held> dropped = held.add(message, () -> new Held(nextId(),
                WireFormat.encode(instance, new Cluster.Notice(Cluster.Notice.Kind.LOST, null, null, false)), 0,
                true));
        for (Held oldest : dropped) {
            own.settled(oldest.id());
            delivery.dropped(oldest.events());
            link.failedOnce(heldDropLogged, "more than " + HeldMessages.MAX_HELD + " events are held for the "
                    + "other instances while the cluster's log cannot be reached; the oldest are dropped, and the "
                    + "other instances' streams are reset (sfere-reset) once it is back", null);
        }
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
                    message -> onMessage(number, message), false, LogStream.consumer(settings, start));
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

    private void publishHeld(JetStream js) {
        for (Held message : held.takeAll()) {
            try {
                js.publishAsync(settings.subject(), message.payload(), LogStream.publishOptions(settings, message.id()))
                        .whenComplete((ack, error) -> {
                            if (error != null) {
                                hold(message, false);
                                retryHeldLater();
                            }
                        });
            } catch (RuntimeException e) {
                hold(message, false);
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
            decoded = new WireFormat.Message("", KeyPattern.all(), null, null, new OutboundSseEvent[0], null);
        }
        long age = Math.max(0, Duration.between(meta.timestamp().toInstant(), Instant.now()).toNanos());
        Cluster.LogPosition at = new Cluster.LogPosition(epoch, sequence, sequence + meta.pendingCount(), age);
        Cluster.Notice notice = decoded.notice();
        if (notice != null) {
            try {
                delivery.noticed(at, new Cluster.Notice(notice.kind(), notice.key(), notice.value(),
                        decoded.origin().equals(instance)));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Sfere: handling notice " + sequence + " of the log failed", e);
            }
            return;
        }
        OutboundSseEvent[] events = decoded.events();
        Headers headers = message.getHeaders();
        String id = headers == null ? null : headers.getFirst(MESSAGE_ID);
        if (id != null && decoded.origin().equals(instance)) {
            if (own.consumed(id)) {
                events = new OutboundSseEvent[0];
            }
        }
        try {
            delivery.logged(at, decoded.pattern(), decoded.excludeKeys(), decoded.excludePattern(), events);
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
