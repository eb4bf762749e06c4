package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.SfereConnected;
import dev.sfere.SfereEvicted;
import dev.sfere.cluster.Cluster;
import dev.sfere.cluster.NatsCluster;
import dev.sfere.cluster.NatsSettings;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The life of connections around the store: registration, the eviction events, heartbeats, and closing every
 * stream when the application stops.
 */
@ApplicationScoped
class ConnectionLifecycle {

    private static final Logger LOG = Logger.getLogger(ConnectionLifecycle.class.getName());
    private static final OutboundSseEvent HEARTBEAT = OutboundEvents.comment("heartbeat");

    private ConnectionStore store;
    private Event<SfereConnected> connected;
    private Event<SfereEvicted> evicted;
    private Duration heartbeatInterval;
    private int queueSize;
    private int maxDeliveryThreads;
    /** The configured bound of the library's store, named in the warning when a store evicts for room. */
    private long maximumSize;
    /** Set once a removal for room ({@code SIZE}) has been logged: it is logged once, not per stream. */
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    private NatsSettings nats;
    /** The other instances, with {@code sfere.cluster.type=nats}; else null. */
    private volatile Cluster cluster;

    /** Connections whose request failed: the runtime, not the library, ends their response with the error. */
    private final Set<Connection> leftToRuntime = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile SfereThreads threads;
    private volatile ScheduledFuture<?> heartbeats;
    /**
     * Closes the streams when the JVM is stopped (Ctrl+C, SIGTERM). Open Liberty waits up to 30 s for open
     * requests, SSE streams included, before it stops the application, so the container's own destroy comes too
     * late to spare that wait.
     */
    private final Thread onJvmExit = new Thread(this::shutdown, "sfere-shutdown");

    /** For the container's proxy only. */
    ConnectionLifecycle() {
    }

    @Inject
    ConnectionLifecycle(ConnectionStore store, Event<SfereConnected> connected, Event<SfereEvicted> evicted,
                        SfereExtension extension) {
        this.store = store;
        this.connected = connected;
        this.evicted = evicted;
        this.heartbeatInterval = extension.config().heartbeatInterval();
        this.queueSize = extension.config().queueSize();
        this.maxDeliveryThreads = extension.config().maxDeliveryThreads();
        this.maximumSize = extension.config().maximumSize();
        this.nats = extension.config().nats();
    }

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        ensureStarted();
    }

    /**
     * Starts the library's threads, attaches to the store and starts heartbeats, once. Called on startup and, to be
     * safe, on first use; a caller that comes while another thread starts waits until it is done.
     */
    void ensureStarted() {
        if (started.get()) {
            return;
        }
        synchronized (started) {
            if (!started.get()) {
                start();
                started.set(true);
            }
        }
    }

    private void start() {
        threads = SfereThreads.start(maxDeliveryThreads);
        try {
            store.addRemovalListener(this::onRemoval);
            if (nats != null) {
                cluster = startNats();
            }
        } catch (RuntimeException | Error e) {
            // Not started, so shutdown will not stop them: the threads would outlive the application.
            threads.stop();
            throw e;
        }
        try {
            Runtime.getRuntime().addShutdownHook(onJvmExit);
        } catch (IllegalStateException | SecurityException e) {
            LOG.log(Level.FINE, "Sfere: cannot close streams at JVM exit; the container's shutdown will", e);
        }
        if (!heartbeatInterval.isZero()) {
            long period = Math.max(heartbeatInterval.toNanos() / 2, Duration.ofMillis(10).toNanos());
            heartbeats = threads.every(period, this::heartbeat);
        }
    }

    /** Apart, so that the NATS classes are loaded only when a cluster is configured. */
    private Cluster startNats() {
        return NatsCluster.start(nats, store, this::deliverLocally, JsonText::encode);
    }

    /**
     * Queues events for this instance's streams that match a pattern, minus exclusions.
     *
     * @return how many streams accepted them
     */
    int deliverLocally(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                       OutboundSseEvent[] events) {
        int[] reached = new int[1];
        store.forEach(pattern, (key, connection) -> {
            if ((excludeKeys == null || !excludeKeys.contains(key))
                    && (excludePattern == null || !excludePattern.matches(key))
                    && connection.send(events)) {
                reached[0]++;
            }
        });
        return reached[0];
    }

    /** Hands events to the other instances, when there is a cluster. */
    void publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                 OutboundSseEvent[] events) {
        Cluster current = cluster;
        if (current != null) {
            current.publish(pattern, excludeKeys, excludePattern, events);
        }
    }

    /** The keys matching a pattern on every instance: the cluster's directory, or the local store. */
    List<ConnectionKey> directoryKeys(KeyPattern pattern) {
        ensureStarted();
        Cluster current = cluster;
        return current != null ? current.keys(pattern) : store.keys(pattern);
    }

    /**
     * Stores a sink under a key and fires {@link SfereConnected}. If an observer of that event throws, the
     * connection is taken out again as for a resource method that threw ({@link #onRequestFailed}), and the
     * exception reaches the caller, failing the request.
     *
     * @return the stored connection
     */
    Connection register(ConnectionKey key, SseEventSink sink) {
        ensureStarted();
        Connection connection = Connection.of(sink, threads.delivery(), queueSize, this::onGiveUp);
        // Before the store makes it visible: other threads' events wait until the resource method returns.
        connection.opening();
        store.store(key, connection);
        Cluster current = cluster;
        if (current != null) {
            current.registered(key);
        }
        try {
            connected.fire(new SfereConnected(key));
        } catch (RuntimeException | Error e) {
            onRequestFailed(connection);
            throw e;
        }
        if (stopped.get()) {
            // Opened after shutdown closed the others (a client reconnecting while the server still takes
            // requests): shutdown's walk may have missed it, so it leaves now, or the server would wait for it.
            store.purge(connection, EvictionCause.SHUTDOWN);
        }
        return connection;
    }

    private void onGiveUp(Connection connection, EvictionCause cause) {
        store.purge(connection, cause);
    }

    /**
     * Takes out the connection of a resource method that threw, without closing its stream, so the runtime can
     * still answer with the error instead of an empty 200.
     */
    void onRequestFailed(Connection connection) {
        leftToRuntime.add(connection);
        if (!store.purge(connection, EvictionCause.CLOSED)) {
            leftToRuntime.remove(connection);
        }
    }

    private void onRemoval(ConnectionKey key, Connection connection, EvictionCause cause) {
        Cluster current = cluster;
        if (current != null) {
            current.removed(key);
        }
        if (!leftToRuntime.remove(connection)) {
            close(connection, cause);
        }
        if (cause == EvictionCause.SIZE && fullLogged.compareAndSet(false, true)) {
            // Open streams leaving for room is seldom what an operator wants, and nothing else would say so.
            LOG.warning(() -> "Sfere: the store is full, so open streams are being closed to make room (cause SIZE,"
                    + " first " + key + "); with the library's store, raise " + SfereConfig.STORE_MAXIMUM_SIZE
                    + " (now " + maximumSize + ") if this many streams are expected. Logged once");
        }
        try {
            evicted.fire(new SfereEvicted(key, cause));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Sfere: an observer of SfereEvicted failed for " + key + " (" + cause + ")", e);
        }
    }

    /**
     * Closes a removed stream: off the caller's thread, since a runtime may block in closing a stream whose client
     * stopped reading and a broadcast must never wait for that; on the caller's thread at shutdown, so that the
     * server need not wait for open streams. A close still waiting for a delivery thread at shutdown is done then.
     */
    private void close(Connection connection, EvictionCause cause) {
        if (cause != EvictionCause.SHUTDOWN) {
            try {
                threads.delivery().execute(new Closing(connection));
                return;
            } catch (RuntimeException rejected) {
                // shut down: close here
            }
        }
        connection.close();
    }

    /**
     * Writes a comment to every stream quiet for the heartbeat interval, so a client that went away shows up as a
     * failed write, and renews the sliding window of every stream that accepted a write within the interval.
     */
    void heartbeat() {
        try {
            long now = System.nanoTime();
            long quiet = heartbeatInterval.toNanos();
            store.forEach(KeyPattern.all(), (key, connection) -> {
                if (now - connection.lastWriteNanos() >= quiet) {
                    // Quiet: the comment finds out whether the client is still there. It renews the stream on a
                    // later round, once written; one that waits behind a write to a client that stopped reading
                    // renews nothing, so such a stream still expires.
                    connection.send(HEARTBEAT);
                } else if (!connection.hasFailed()) {
                    store.touch(key);
                }
            });
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again; keep the heartbeats going.
            LOG.log(Level.WARNING, "Sfere: a heartbeat round failed", e);
        }
    }

    void onShutdown(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        shutdown();
    }

    @PreDestroy
    void shutdown() {
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
        ScheduledFuture<?> running = heartbeats;
        if (running != null) {
            running.cancel(false);
        }
        for (ConnectionKey key : store.keys()) {
            store.purge(key, EvictionCause.SHUTDOWN);
        }
        Cluster current = cluster;
        if (current != null) {
            current.close();
        }
        for (Runnable dropped : threads.stop()) {
            if (dropped instanceof Closing closing) {
                // A stream removed just before, whose close no delivery thread took up: left open, the server
                // would wait for it.
                closing.run();
            }
        }
    }

    /** The close of a removed stream, handed to the delivery threads; recognised among the tasks they leave. */
    private record Closing(Connection connection) implements Runnable {
        @Override
        public void run() {
            connection.close();
        }
    }
}
