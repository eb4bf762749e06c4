package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cluster over NATS. Broadcasts travel by core NATS publish/subscribe on one subject: the sending instance
 * delivers to its own streams itself, publishes once, and ignores its own message if the server echoes it; every
 * other instance delivers the message to its matching streams. The directory is a JetStream KV bucket from each
 * key (see {@link KeyCodec}) to the id of the instance that holds it. Entries live three quarters of the max age
 * after their last write and are written again every quarter, so a crashed instance's entries are gone within
 * the max age while a live instance's never lapse.
 *
 * <p>Nothing here blocks the caller on the network: publishes go to the client's buffer, and directory writes run
 * on a thread of their own ({@code sfere-cluster}). While the server cannot be reached, events for other instances
 * are dropped (local delivery goes on), listing falls back to this instance's keys, and each kind of failure is
 * logged once until the connection is back. On (re)connection the bucket is made again if it is gone and this
 * instance's entries are put again.
 */
public final class NatsCluster implements Cluster {

    private static final Logger LOG = Logger.getLogger(NatsCluster.class.getName());

    private final NatsSettings settings;
    private final ConnectionStore store;
    private final LocalDelivery delivery;
    private final Function<Object, String> encoder;
    private final String instance = UUID.randomUUID().toString();
    private final byte[] instanceBytes = instance.getBytes(StandardCharsets.UTF_8);
    private final ScheduledExecutorService worker;
    private final AtomicBoolean downLogged = new AtomicBoolean();
    private final AtomicBoolean publishFailureLogged = new AtomicBoolean();
    private final AtomicBoolean directoryFailureLogged = new AtomicBoolean();
    private volatile Connection connection;
    private volatile KeyValue directory;
    private volatile boolean up;
    private volatile boolean closed;
    /** What the client last reported during a connection attempt, which its exception does not tell. */
    private volatile String lastProblem;
    private Dispatcher dispatcher;
    private Options options;

    private NatsCluster(NatsSettings settings, ConnectionStore store, LocalDelivery delivery,
                        Function<Object, String> encoder) {
        this.settings = settings;
        this.store = store;
        this.delivery = delivery;
        this.encoder = encoder;
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread named = new Thread(task, "sfere-cluster");
            named.setDaemon(true);
            return named;
        });
        // A connection attempt or refresh still waiting when the application stops must not run after.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = thread;
    }

    /**
     * Joins the cluster: connects in the background (an unreachable server neither fails nor delays the start) and
     * keeps trying to reconnect for as long as the application runs.
     *
     * @param settings the server and the bucket
     * @param store    this instance's connections, whose keys go into the directory
     * @param delivery delivers other instances' broadcasts to this instance's streams
     * @param encoder  turns event data that is neither text nor bytes into text
     * @return the cluster
     */
    public static Cluster start(NatsSettings settings, ConnectionStore store, LocalDelivery delivery,
                                Function<Object, String> encoder) {
        NatsCluster cluster = new NatsCluster(Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(store, "store"), Objects.requireNonNull(delivery, "delivery"),
                Objects.requireNonNull(encoder, "encoder"));
        cluster.connect();
        return cluster;
    }

    private void connect() {
        options = new Options.Builder()
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
        submit(this::tryConnect);
        long refresh = Math.max(settings.maxAge().toMillis() / 4, 100);
        worker.scheduleWithFixedDelay(this::refresh, refresh, refresh, TimeUnit.MILLISECONDS);
    }

    /**
     * One attempt to connect, on the cluster's own thread, retried every half second until it works or the
     * cluster is closed. Once connected, the client reconnects by itself. (The client's own asynchronous connect
     * would keep retrying on threads of its own that nothing can stop if the server never answered.)
     */
    private void tryConnect() {
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Takes a new connection and subscribes, once; false if the cluster was closed meanwhile. */
    private synchronized boolean attach(Connection made) {
        if (closed) {
            return false;
        }
        connection = made;
        if (dispatcher == null) {
            dispatcher = made.createDispatcher(this::onMessage);
            dispatcher.subscribe(settings.subject());
        }
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
        publishFailureLogged.set(false);
        directoryFailureLogged.set(false);
        submit(this::resync);
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

    @Override
    public void publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                        OutboundSseEvent[] events) {
        Connection current = connection;
        if (!up || current == null) {
            failedOnce(publishFailureLogged, "the NATS server is not reachable; events for other instances are "
                    + "dropped until it is back", null);
            return;
        }
        try {
            current.publish(settings.subject(),
                    WireFormat.encode(instance, pattern, excludeKeys, excludePattern, events, encoder));
        } catch (RuntimeException e) {
            failedOnce(publishFailureLogged, "publishing to other instances failed; events for them are dropped "
                    + "until the NATS server is back", e);
        }
    }

    @Override
    public void registered(ConnectionKey key) {
        if (up) {
            submit(() -> put(KeyCodec.encode(key)));
        }
    }

    @Override
    public void removed(ConnectionKey key) {
        if (up) {
            submit(() -> {
                // The key may be held again already: a removal is told after its entry left the store, when a new
                // request may have stored the key (and queued its put before this).
                if (store.get(key).isEmpty()) {
                    deleteIfOurs(KeyCodec.encode(key));
                }
            });
        }
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        Set<ConnectionKey> found = new LinkedHashSet<>(store.keys(pattern));
        KeyValue kv = directory;
        if (!up || kv == null) {
            return List.copyOf(found);
        }
        try {
            for (String encoded : kv.keys()) {
                ConnectionKey key = decodeOrNull(encoded);
                if (key != null && pattern.matches(key)) {
                    found.add(key);
                }
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            failedOnce(directoryFailureLogged, "listing the directory failed; answering with this instance's "
                    + "keys only", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.copyOf(found);
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            // Queued directory removals run first, for up to 2 s; then the client goes.
            if (!worker.awaitTermination(2, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
            Connection current;
            synchronized (this) {
                closed = true;
                current = connection;
            }
            if (current != null) {
                current.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This instance's id, as its directory entries carry it. */
    String instance() {
        return instance;
    }

    private void submit(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    failedOnce(directoryFailureLogged, "updating the directory failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: the entries age out
        }
    }

    /** Makes the bucket if it is gone, takes out entries of ours whose keys left, and puts every key we hold. */
    private void resync() {
        Connection current = connection;
        if (!up || current == null) {
            return;
        }
        try {
            KeyValueConfiguration.Builder bucket = KeyValueConfiguration.builder()
                    .name(settings.bucket())
                    .ttl(settings.entryTtl())
                    .storageType(settings.fileStorage() ? StorageType.File : StorageType.Memory)
                    .replicas(settings.replicas());
            if (settings.maxBytes() > 0) {
                bucket.maxBucketSize(settings.maxBytes());
            }
            KeyValueManagement management = current.keyValueManagement();
            try {
                management.create(bucket.build());
            } catch (JetStreamApiException exists) {
                // made by another instance, perhaps with other settings: use it as it is
                LOG.log(Level.FINE, "Sfere: the directory bucket exists", exists);
                lengthenTtl(management);
            }
            KeyValue kv = current.keyValue(settings.bucket(), KeyValueOptions.builder(
                    JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()).build());
            directory = kv;
            Set<String> ours = new HashSet<>();
            for (ConnectionKey key : store.keys()) {
                ours.add(KeyCodec.encode(key));
            }
            for (String encoded : kv.keys()) {
                if (!ours.contains(encoded)) {
                    deleteIfOurs(encoded);
                }
            }
            for (String encoded : ours) {
                put(encoded);
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            failedOnce(directoryFailureLogged, "bringing the directory up to date failed; trying again on the "
                    + "next refresh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lengthens the entries' lifetime of a bucket made with a shorter max age (by an earlier deployment, say):
     * written again only every quarter of this instance's max age, they would otherwise lapse while held. A shorter
     * one is left: a longer lifetime only keeps a crashed instance's keys a little longer.
     */
    private void lengthenTtl(KeyValueManagement management) throws IOException, JetStreamApiException {
        KeyValueStatus status = management.getStatus(settings.bucket());
        Duration ttl = status.getTtl();
        if (ttl != null && !ttl.isZero() && ttl.compareTo(settings.entryTtl()) < 0) {
            try {
                management.update(KeyValueConfiguration.builder(status.getConfiguration())
                        .ttl(settings.entryTtl()).build());
                LOG.info(() -> "Sfere: the directory bucket " + settings.bucket() + " kept entries " + ttl
                        + "; now " + settings.entryTtl() + ", three quarters of " + settings.maxAge());
            } catch (JetStreamApiException | IOException | RuntimeException e) {
                LOG.log(Level.WARNING, e, () -> "Sfere: the directory bucket " + settings.bucket() + " keeps "
                        + "entries " + ttl + ", shorter than three quarters of the max age " + settings.maxAge()
                        + ", so held keys can lapse from the directory; delete the bucket or use the max age it was "
                        + "made with");
            }
        }
    }

    /**
     * Puts every key we hold again, so that none ages out while we hold it. Never throws: a periodic task that
     * throws is not run again, and every key of the instance would then age out of the directory.
     */
    private void refresh() {
        if (!up || directory == null) {
            return;
        }
        try {
            for (ConnectionKey key : store.keys()) {
                put(KeyCodec.encode(key));
            }
        } catch (RuntimeException e) {
            failedOnce(directoryFailureLogged, "refreshing the directory failed; trying again on the next refresh",
                    e);
        }
    }

    private void put(String encoded) {
        KeyValue kv = directory;
        if (kv == null) {
            return;
        }
        try {
            kv.put(encoded, instanceBytes);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // The client also refuses with unchecked exceptions (a full outgoing queue, say): one key's failure
            // must not stop the others being written.
            failedOnce(directoryFailureLogged, "writing the directory failed", e);
        }
    }

    private void deleteIfOurs(String encoded) {
        KeyValue kv = directory;
        if (kv == null) {
            return;
        }
        try {
            KeyValueEntry entry = kv.get(encoded);
            if (entry != null && entry.getValue() != null && Arrays.equals(entry.getValue(), instanceBytes)) {
                // Only if nobody wrote the key since: another instance may hold it now.
                kv.delete(encoded, entry.getRevision());
            }
        } catch (JetStreamApiException e) {
            LOG.log(Level.FINE, "Sfere: a directory entry changed before it was removed", e);
        } catch (IOException e) {
            failedOnce(directoryFailureLogged, "removing from the directory failed", e);
        }
    }

    private static ConnectionKey decodeOrNull(String encoded) {
        try {
            return KeyCodec.decode(encoded);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void failedOnce(AtomicBoolean flag, String what, Throwable error) {
        if (!closed && flag.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, error, () -> "Sfere: " + what);
        }
    }

    /** The client's own reports, at FINE: the connection listener already tells what matters, once. */
    private static final class QuietErrors implements ErrorListener {
        private final NatsCluster cluster;

        QuietErrors(NatsCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void errorOccurred(Connection connection, String error) {
            cluster.lastProblem = error;
            LOG.fine(() -> "Sfere: NATS error: " + error);
        }

        @Override
        public void exceptionOccurred(Connection connection, Exception exception) {
            cluster.lastProblem = String.valueOf(exception);
            LOG.log(Level.FINE, "Sfere: NATS exception", exception);
        }
    }
}
