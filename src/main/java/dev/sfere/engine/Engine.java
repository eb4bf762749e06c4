package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.cluster.Cluster;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What happens to streams, with no container in it: registration, fan-out, removal and the events that tell of
 * them, heartbeats and shutdown. The CDI adapter makes one per application and forwards to it.
 *
 * <p>Thread-safe. {@link Listener} methods are called on the thread that registered or removed the stream (for
 * expiry and size eviction, the store's maintenance thread), never while a lock of the engine is held.
 */
public final class Engine {

    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    /** The most delivery threads of the library's own unless configured otherwise. */
    public static final int DEFAULT_MAX_DELIVERY_THREADS = DeliveryThreads.MAX_DELIVERY_THREADS;

    /** Told of every stream that is registered or removed; the CDI adapter fires its events from here. */
    public interface Listener {
        /**
         * A stream was stored under a key. What this throws fails the registration.
         *
         * @param key        the key
         * @param resumption whether it is new, resumed or reset
         */
        void connected(ConnectionKey key, Resumption resumption);

        /**
         * A stream left, exactly once per removal. What this throws is logged and goes no further.
         *
         * @param key   the key it was under
         * @param cause why
         */
        void evicted(ConnectionKey key, EvictionCause cause);
    }

    private final ConnectionStore store;
    private final EngineSettings settings;
    private final Listener listener;
    /** Starts the cluster, with {@code sfere.cluster.type=nats}; else null. */
    private final BiFunction<ConnectionStore, Cluster.LocalDelivery, Cluster> clusterStarter;
    /** Set once a removal for room ({@code SIZE}) has been logged: it is logged once, not per stream. */
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    /** Connections whose request failed: the runtime, not the library, ends their response with the error. */
    private final Set<Stream> leftToRuntime = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Stamps, keeps and queues events in one order; knows what a reconnecting client is owed. */
    private final Sequencer sequencer;
    private final Telemetry telemetry;
    /** The engine's side of the cluster: what it hands this instance, and what this instance tells it. */
    private final ClusterReceiver receiver;
    private volatile DeliveryThreads threads;
    private volatile Heartbeats heartbeats;
    /** The other instances, once started with a cluster; else null. */
    private volatile Cluster cluster;
    /** Closes the streams at JVM exit: Open Liberty would wait up to 30 s for them before its own destroy. */
    private final Thread onJvmExit = new Thread(this::shutdown, "sfere-shutdown");

    /**
     * Makes an engine; nothing runs until {@link #start()}.
     *
     * @param store          where the streams live
     * @param settings       the tuning
     * @param listener       told of registrations and removals
     * @param clusterStarter starts the cluster from the store and the local delivery, or null for none
     */
    public Engine(ConnectionStore store, EngineSettings settings, Listener listener,
                  BiFunction<ConnectionStore, Cluster.LocalDelivery, Cluster> clusterStarter) {
        this(store, settings, listener, clusterStarter, Telemetry.NONE);
    }

    /**
     * Makes an engine that tells a metrics recorder what it does; nothing runs until {@link #start()}.
     *
     * @param store          where the streams live
     * @param settings       the tuning
     * @param listener       told of registrations and removals
     * @param clusterStarter starts the cluster from the store and the local delivery, or null for none
     * @param telemetry      told of what happens, for metrics
     */
    public Engine(ConnectionStore store, EngineSettings settings, Listener listener,
                  BiFunction<ConnectionStore, Cluster.LocalDelivery, Cluster> clusterStarter, Telemetry telemetry) {
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clusterStarter = clusterStarter;
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.sequencer = new Sequencer(settings, System::nanoTime, telemetry);
        this.receiver = new ClusterReceiver(store, sequencer, telemetry);
    }

    /**
     * Starts the library's threads, attaches to the store, joins the cluster and starts heartbeats, once. Called on
     * startup and, to be safe, on first use; a caller that comes while another thread starts waits until it is
     * done.
     */
    public void start() {
        if (started.get()) {
            return;
        }
        synchronized (started) {
            if (!started.get()) {
                startOnce();
                started.set(true);
            }
        }
    }

    private void startOnce() {
        DeliveryThreads started = DeliveryThreads.start(settings.maxDeliveryThreads(),
                settings.writeTimeout().toNanos());
        threads = started;
        try {
            store.addRemovalListener(this::onRemoval);
            if (clusterStarter != null) {
                cluster = clusterStarter.apply(store, receiver);
            }
        } catch (RuntimeException | Error e) {
            // Not started, so shutdown will not stop them: the threads would outlive the application.
            started.stop();
            throw e;
        }
        try {
            Runtime.getRuntime().addShutdownHook(onJvmExit);
        } catch (IllegalStateException | SecurityException e) {
            LOG.log(Level.FINE, "Sfere: cannot close streams at JVM exit; the container's shutdown will", e);
        }
        heartbeats = Heartbeats.start(store, started, settings.heartbeatInterval(), telemetry);
    }

    /**
     * Queues events for this instance's streams that match a pattern, minus exclusions; with a cluster, hands them to
     * the log, from which every instance delivers them in one order (queued here at once while it cannot be reached).
     *
     * @param pattern        the keys to reach
     * @param excludeKeys    keys to leave out, or null
     * @param excludePattern keys to leave out, or null
     * @param events         the events, checked by the caller
     * @return how many of this instance's streams accepted them, or, when the log took them, how many it selects
     */
    public int deliver(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                       OutboundSseEvent[] events) {
        start();
        History.Selection selection = new History.Selection(pattern, excludeKeys, excludePattern);
        Cluster current = cluster;
        if (current != null && current.publish(pattern, excludeKeys, excludePattern, events)) {
            telemetry.cluster("published", events.length);
            return sequencer.count(store, selection, events);
        }
        return sequencer.deliver(store, selection, events);
    }

    /**
     * Gives an opening stream, new or reset, its first events (see {@code Broadcaster.snapshot}); else sends them.
     *
     * @param key    the key
     * @param events the events, checked by the caller
     * @return 1 if this instance's stream took them, else 0
     */
    public int snapshot(ConnectionKey key, OutboundSseEvent[] events) {
        start();
        return sequencer.snapshot(store, key, events) ? 1 : deliver(KeyPattern.exactly(key), null, null, events);
    }

    /**
     * The keys matching a pattern on every instance: the cluster's directory, or the local store.
     *
     * @param pattern the pattern
     * @return the keys
     */
    public List<ConnectionKey> directoryKeys(KeyPattern pattern) {
        start();
        Cluster current = cluster;
        return current != null ? current.keys(pattern) : store.keys(pattern);
    }

    /**
     * Stores a sink under a key as a new stream; see {@link #register(ConnectionKey, SseEventSink, String)}.
     *
     * @param key  the key
     * @param sink the runtime's sink
     * @return the stored connection
     */
    public Connection register(ConnectionKey key, SseEventSink sink) {
        return register(key, sink, null);
    }

    /**
     * Stores a sink under a key, new, or resumed from the last event its client received, and tells the listener.
     * Until {@link #opened} every event for it waits. If the listener throws, the connection is taken out again as
     * by {@link #requestFailed}, and the exception reaches the caller.
     *
     * @param key         the key
     * @param sink        the runtime's sink
     * @param lastEventId the id of the last event the client received ({@code Last-Event-ID}), or null
     * @return the stored connection
     */
    public Connection register(ConnectionKey key, SseEventSink sink, String lastEventId) {
        start();
        Stream stream = new Stream(sink, threads.delivery(), settings.queueSize(), this::onGiveUp);
        stream.telemetry = telemetry;
        // Before the store makes it visible: events wait until the resource method returns.
        stream.opening();
        receiver.registering(cluster, key, stream);
        store.store(key, stream);
        Resumption resumption = sequencer.begin(stream, key, lastEventId);
        telemetry.connected(key, resumption);
        try {
            listener.connected(key, resumption);
        } catch (RuntimeException | Error e) {
            requestFailed(stream);
            throw e;
        }
        if (stopped.get()) {
            // Opened after shutdown closed the others (a client reconnecting while the server still takes
            // requests): shutdown's walk may have missed it, so it leaves now, or the server would wait for it.
            store.purge(stream, EvictionCause.SHUTDOWN);
        }
        return stream;
    }

    /**
     * Whether the id a reconnecting client presents is that of the {@code sfere-close} that ended its key's stream on
     * purpose: then it is answered {@code 204 No Content} and not registered, which stops an {@code EventSource}.
     *
     * @param key         the key
     * @param lastEventId the id the client presented, or null
     * @return true if the stream stays ended
     */
    public boolean ended(ConnectionKey key, String lastEventId) {
        start();
        return lastEventId != null && receiver.stays(cluster, key, lastEventId);
    }

    /**
     * How a connection of this engine began.
     *
     * @param connection a connection {@link #register} returned
     * @return new, resumed or reset; null for another kind of connection
     */
    public Resumption resumption(Connection connection) {
        return connection instanceof Stream stream ? stream.resumption() : null;
    }

    /**
     * The resource method that opened a stream returned: events other threads sent meanwhile go out now.
     *
     * @param connection what {@link #register} returned
     */
    public void opened(Connection connection) {
        sequencer.opened((Stream) connection);
        ((Stream) connection).opened();
    }

    /**
     * Takes out the connection of a resource method that threw, without closing its stream, so the runtime can
     * still answer with the error instead of an empty 200.
     *
     * @param connection what {@link #register} returned
     */
    public void requestFailed(Connection connection) {
        Stream stream = (Stream) connection;
        sequencer.opened(stream);
        leftToRuntime.add(stream);
        if (!store.purge(stream, EvictionCause.CLOSED)) {
            leftToRuntime.remove(stream);
        }
    }

    private void onGiveUp(Stream stream, EvictionCause cause) {
        if (!sequencer.deferIfDelivering(() -> store.purge(stream, cause))) {
            store.purge(stream, cause);
        }
    }

    private void onRemoval(ConnectionKey key, Connection connection, EvictionCause cause) {
        // Observers may broadcast: not in the middle of another delivery on this thread.
        if (!sequencer.deferIfDelivering(() -> removed(key, connection, cause))) {
            removed(key, connection, cause);
        }
    }

    private void removed(ConnectionKey key, Connection connection, EvictionCause cause) {
        receiver.removed(cluster, key, connection);
        if (connection instanceof Stream stream && !leftToRuntime.remove(stream)) {
            close(stream, key, cause);
        }
        if (cause == EvictionCause.SIZE && fullLogged.compareAndSet(false, true)) {
            // Open streams leaving for room is seldom what an operator wants, and nothing else would say so.
            LOG.warning(() -> "Sfere: the store is full, so open streams are being closed to make room (cause SIZE,"
                    + " first " + key + "); with the library's store, raise sfere.store.maximum-size"
                    + " (now " + settings.maximumSize() + ") if this many streams are expected. Logged once");
        }
        telemetry.evicted(key, cause);
        try {
            listener.evicted(key, cause);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: an observer of SfereEvicted failed for " + key + " (" + cause + ")", e);
        }
    }

    /**
     * Closes a removed stream. One the library ended on purpose ({@code EXPLICIT}, {@code REPLACED}, {@code SIZE})
     * gets {@code sfere-close} as its last event, written by a delivery thread, which then closes it. Others close
     * off the caller's thread, since a runtime may block in closing a stream whose client stopped reading and a
     * broadcast must never wait for that; on the caller's thread at shutdown, so that the server need not wait for
     * open streams. A close still waiting for a delivery thread at shutdown is done then.
     */
    private void close(Stream stream, ConnectionKey key, EvictionCause cause) {
        String closeId = (cause == EvictionCause.EXPLICIT || cause == EvictionCause.REPLACED
                || cause == EvictionCause.SIZE) && !stopped.get() ? sequencer.end(stream, key, cause) : null;
        if (closeId != null) {
            receiver.ended(cluster, key, closeId);
            return;
        }
        if (cause != EvictionCause.SHUTDOWN) {
            try {
                threads.delivery().execute(new Closing(stream));
                return;
            } catch (RuntimeException rejected) {
                // shut down: close here
            }
        }
        stream.close();
    }

    /** @return how the engine is doing, for health checks; read without locking out deliveries */
    public EngineHealth health() {
        start();
        Cluster current = cluster;
        History history = sequencer.history();
        return new EngineHealth(store.count(KeyPattern.all()), heartbeats.lateNanos(),
                threads.delivery().stuckNanos(), settings.writeTimeout().toNanos(),
                current == null ? "none" : current.state(), history.size(), history.bytes(), settings.historyBytes());
    }

    /** Runs one heartbeat round now; for tests that drive time themselves. */
    void heartbeat() {
        heartbeats.round();
    }

    /**
     * Closes every stream (cause {@code SHUTDOWN}), leaves the cluster and stops the threads, once. Does nothing if
     * the engine never started.
     */
    public void shutdown() {
        if (!started.get() || !stopped.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != onJvmExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(onJvmExit);
            } catch (IllegalStateException | SecurityException e) {
                // The JVM is already exiting, or hooks are not ours to touch: nothing to undo.
            }
        }
        heartbeats.stop();
        for (ConnectionKey key : store.keys()) {
            store.purge(key, EvictionCause.SHUTDOWN);
        }
        Cluster current = cluster;
        if (current != null) {
            current.close();
        }
        for (Runnable dropped : threads.stop()) {
            // A close or writes no delivery thread took up (perhaps a stream's last event before it closes): the
            // stream closes now, or the server would wait for it.
            if (dropped instanceof Closing closing) {
                closing.run();
            } else if (dropped instanceof Drain drain) {
                drain.stream().close();
            }
        }
    }
}
