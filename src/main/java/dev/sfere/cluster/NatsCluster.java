package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import io.nats.client.Connection;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The cluster over NATS. Broadcasts and direct sends travel through the log, a JetStream stream that every
 * instance, the sender included, consumes in order (see {@link NatsLog}), so that every instance gives an event the
 * same id and a client resumes on any of them. The directory is a JetStream KV bucket from each
 * key (see {@link KeyCodec}) to the id of the instance that holds it. Entries live three quarters of the max age
 * after their last write and are written again every quarter, so a crashed instance's entries are gone within
 * the max age while a live instance's never lapse.
 *
 * <p>Nothing here blocks the caller on the network: publishes go to the client's buffer, and the log's opening and
 * directory writes run on a thread of their own ({@code sfere-cluster}). While the server cannot be reached, events
 * are delivered locally at once and held for the other instances, listing falls back to this instance's keys, and
 * each kind of failure is logged once until the connection is back. On (re)connection the log and the bucket are
 * made again if they are gone, the log is consumed on from where it stopped, held events are published, and this
 * instance's entries are put again.
 *
 * <p>Everything is logged under this class's name.
 */
public final class NatsCluster implements Cluster {

    /** The one logger of the NATS cluster, shared by the connection, the transport and the directory. */
    static final Logger LOG = Logger.getLogger(NatsCluster.class.getName());

    private final String instance = UUID.randomUUID().toString();
    private final ScheduledExecutorService worker = newWorker();
    private final NatsConnection link;
    private final NatsLog log;
    private final NatsDirectory directory;

    private NatsCluster(NatsSettings settings, ConnectionStore store, LocalDelivery delivery,
                        Function<Object, String> encoder) {
        this.link = new NatsConnection(settings, instance, worker, new NatsConnection.Events() {
            @Override
            public void attached(Connection made) {
                log.attach(made);
            }

            @Override
            public void up() {
                log.connected();
                directory.connected();
            }
        });
        this.log = new NatsLog(settings, instance, link, delivery, encoder, worker);
        this.directory = new NatsDirectory(settings, store, instance, link, worker);
    }

    /** The cluster's own thread, {@code sfere-cluster}: connection attempts and every directory write. */
    private static ScheduledExecutorService newWorker() {
        ThreadFactory daemon = task -> {
            Thread named = new Thread(task, "sfere-cluster");
            named.setDaemon(true);
            return named;
        };
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, daemon);
        // A connection attempt or refresh still waiting when the application stops must not run after.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return thread;
    }

    /**
     * Joins the cluster: connects in the background (an unreachable server neither fails nor delays the start) and
     * keeps trying to reconnect for as long as the application runs.
     *
     * @param settings the server and the bucket
     * @param store    this instance's connections, whose keys go into the directory
     * @param delivery delivers the log's messages, and events the log could not take, to this instance's streams
     * @param encoder  turns event data that is neither text nor bytes into text
     * @return the cluster
     */
    public static Cluster start(NatsSettings settings, ConnectionStore store, LocalDelivery delivery,
                                Function<Object, String> encoder) {
        NatsCluster cluster = new NatsCluster(Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(store, "store"), Objects.requireNonNull(delivery, "delivery"),
                Objects.requireNonNull(encoder, "encoder"));
        cluster.directory.submit(cluster.link::tryConnect);
        cluster.directory.scheduleRefresh();
        return cluster;
    }

    @Override
    public boolean publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                           OutboundSseEvent[] events) {
        return log.publish(pattern, excludeKeys, excludePattern, events);
    }

    @Override
    public void tell(Notice notice) {
        log.tell(notice);
    }

    @Override
    public void registered(ConnectionKey key) {
        directory.registered(key);
    }

    @Override
    public void removed(ConnectionKey key) {
        directory.removed(key);
    }

    @Override
    public List<ConnectionKey> keys(KeyPattern pattern) {
        return directory.keys(pattern);
    }

    @Override
    public String state() {
        return link.isUp() ? "connected" : "disconnected";
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            // Queued directory removals run first, for up to 2 s; then the client goes.
            if (!worker.awaitTermination(2, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
            log.close();
            link.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This instance's id, as its directory entries carry it. */
    String instance() {
        return instance;
    }
}
