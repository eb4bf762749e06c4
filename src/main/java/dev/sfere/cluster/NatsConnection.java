package dev.sfere.cluster;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cluster's connection to the NATS server: connects in the background, follows the client's reports of losing
 * and regaining the server, and tells the cluster when the server is reachable again. While the server cannot be
 * reached, each kind of failure is logged once until the connection is back.
 *
 * <p>Thread-safe. Connection attempts run on the cluster's own thread; the client's listeners run on its threads.
 */
final class NatsConnection {

    private static final Logger LOG = NatsCluster.LOG;

    /** What the rest of the cluster does as the connection comes and goes. */
    interface Events {
        /**
         * A connection was made and is about to be used; called under this object's lock, so at most once at a
         * time, and never once the cluster is closed.
         *
         * @param made the client's connection
         */
        void attached(Connection made);

        /** The server is reachable: the first connection was made, or the client reconnected. */
        void up();
    }

    private final NatsSettings settings;
    private final ScheduledExecutorService worker;
    private final Events events;
    private final Options options;
    private final AtomicBoolean downLogged = new AtomicBoolean();
    private volatile Connection connection;
    private volatile boolean up;
    private volatile boolean closed;
    /** What the client last reported during a connection attempt, which its exception does not tell. */
    private volatile String lastProblem;

    /**
     * A connection not yet attempted; {@link #tryConnect} makes the first attempt.
     *
     * @param settings the server
     * @param instance this instance's id, which names the connection
     * @param worker   the cluster's own thread, which retries
     * @param events   told as the connection comes and goes
     */
    NatsConnection(NatsSettings settings, String instance, ScheduledExecutorService worker, Events events) {
        this.settings = settings;
        this.worker = worker;
        this.events = events;
        this.options = new Options.Builder()
                .server(settings.url())
                .connectionName("sfere-" + instance)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(500))
                .connectionTimeout(Duration.ofSeconds(2))
                .noEcho()
                // A server that stops reading must not make broadcasts wait: events for the other instances are
                // dropped instead, as they are while the server cannot be reached.
                .discardMessagesWhenOutgoingQueueFull()
                .connectionListener(this::onConnectionEvent)
                .errorListener(new QuietErrors(this))
                .build();
    }

    /** The client's connection, or null before the first one is made. */
    Connection current() {
        return connection;
    }

    /** Whether the server is reachable, as far as the client has told. */
    boolean isUp() {
        return up;
    }

    /**
     * One attempt to connect, on the cluster's own thread, retried every half second until it works or the
     * cluster is closed. Once connected, the client reconnects by itself. (The client's own asynchronous connect
     * would keep retrying on threads of its own that nothing can stop if the server never answered.)
     */
    void tryConnect() {
        if (closed || connection != null) {
            return;
        }
        Connection made;
        lastProblem = null;
        try {
            made = Nats.connect(options);
        } catch (IOException | RuntimeException e) {
            if (downLogged.compareAndSet(false, true)) {
                String problem = lastProblem;
                LOG.warning(() -> "Sfere: cannot reach the NATS server at " + settings.url() + " (" + e.getMessage()
                        + (problem == null ? "" : ": " + problem)
                        + "); delivering locally only, and trying again every half second");
            }
            retryConnect();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!attach(made)) {
            try {
                made.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        nowUp();
    }

    private void retryConnect() {
        try {
            worker.schedule(this::tryConnect, 500, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Takes a new connection, once; false if the cluster was closed meanwhile. */
    private synchronized boolean attach(Connection made) {
        if (closed) {
            return false;
        }
        connection = made;
        events.attached(made);
        return true;
    }

    private void onConnectionEvent(Connection source, ConnectionListener.Events event) {
        switch (event) {
            case CONNECTED -> {
                // Told from inside Nats.connect; tryConnect attaches the connection when that returns.
            }
            case RECONNECTED, RESUBSCRIBED -> nowUp();
            case DISCONNECTED, CLOSED -> {
                up = false;
                // Before the first connection is made, a failed attempt reports these too: tryConnect tells that
                // the server cannot be reached, and why.
                if (!closed && connection != null && downLogged.compareAndSet(false, true)) {
                    LOG.warning(() -> "Sfere: lost the NATS server at " + settings.url() + "; delivering locally "
                            + "only until it is back");
                }
            }
            default -> {
                // nothing to do
            }
        }
    }

    private void nowUp() {
        up = true;
        if (downLogged.compareAndSet(true, false)) {
            LOG.info(() -> "Sfere: the NATS server at " + settings.url() + " is back");
        }
        events.up();
    }

    /**
     * Logs a failure as a warning, once until its flag is cleared (when the server is reachable again), and not at
     * all once the cluster is closed.
     *
     * @param flag  set once the failure is logged
     * @param what  what failed, and what happens meanwhile
     * @param error the cause, or null
     */
    void failedOnce(AtomicBoolean flag, String what, Throwable error) {
        if (!closed && flag.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, error, () -> "Sfere: " + what);
        }
    }

    /** Closes the client's connection; no attempt attaches one after this. */
    void close() throws InterruptedException {
        Connection current;
        synchronized (this) {
            closed = true;
            current = connection;
        }
        if (current != null) {
            current.close();
        }
    }

    /** The client's own reports, at FINE: the connection listener already tells what matters, once. */
    private static final class QuietErrors implements ErrorListener {
        private final NatsConnection owner;

        QuietErrors(NatsConnection owner) {
            this.owner = owner;
        }

        @Override
        public void errorOccurred(Connection connection, String error) {
            owner.lastProblem = error;
            LOG.fine(() -> "Sfere: NATS error: " + error);
        }

        @Override
        public void exceptionOccurred(Connection connection, Exception exception) {
            owner.lastProblem = String.valueOf(exception);
            LOG.log(Level.FINE, "Sfere: NATS exception", exception);
        }
    }
}
