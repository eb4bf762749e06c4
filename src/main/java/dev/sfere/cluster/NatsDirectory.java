package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.ConnectionStore;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The directory of every instance's keys: a JetStream KV bucket from each key (see {@link KeyCodec}) to the id of the
 * instance that holds it. Entries live three quarters of the max age after their last write and are written again
 * every quarter, so a crashed instance's entries are gone within the max age while a live instance's never lapse.
 *
 * <p>Writes run on the cluster's own thread, never the caller's. While the server cannot be reached, listing falls
 * back to this instance's keys. Once it is reachable again the bucket is made again if it is gone and this
 * instance's entries are put again. Thread-safe.
 */
final class NatsDirectory {

    private static final Logger LOG = NatsCluster.LOG;

    private final NatsSettings settings;
    private final ConnectionStore store;
    private final byte[] instanceBytes;
    private final NatsConnection link;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean directoryFailureLogged = new AtomicBoolean();
    private volatile KeyValue directory;

    /**
     * A directory, reached once the connection is up.
     *
     * @param settings the bucket
     * @param store    this instance's connections, whose keys go into the directory
     * @param instance this instance's id, the value of its entries
     * @param link     the connection
     * @param worker   the cluster's own thread, on which every write runs
     */
    NatsDirectory(NatsSettings settings, ConnectionStore store, String instance, NatsConnection link,
                  ScheduledExecutorService worker) {
        this.settings = settings;
        this.store = store;
        this.instanceBytes = instance.getBytes(StandardCharsets.UTF_8);
        this.link = link;
        this.worker = worker;
    }

    /** Writes this instance's keys again every quarter of the max age, so that none ages out while held. */
    void scheduleRefresh() {
        long refresh = Math.max(settings.maxAge().toMillis() / 4, 100);
        worker.scheduleWithFixedDelay(this::refresh, refresh, refresh, TimeUnit.MILLISECONDS);
    }

    /** The server is reachable again: a failure is worth a warning again, and the directory is brought up to date. */
    void connected() {
        directoryFailureLogged.set(false);
        submit(this::resync);
    }

    /** See {@link Cluster#registered}. */
    void registered(ConnectionKey key) {
        if (link.isUp()) {
            submit(() -> put(KeyCodec.encode(key)));
        }
    }

    /** See {@link Cluster#removed}. */
    void removed(ConnectionKey key) {
        if (link.isUp()) {
            submit(() -> {
                // The key may be held again already: a removal is told after its entry left the store, when a new
                // request may have stored the key (and queued its put before this).
                if (store.get(key).isEmpty()) {
                    deleteIfOurs(KeyCodec.encode(key));
                }
            });
        }
    }

    /** See {@link Cluster#keys}. */
    List<ConnectionKey> keys(KeyPattern pattern) {
        Set<ConnectionKey> found = new LinkedHashSet<>(store.keys(pattern));
        KeyValue kv = directory;
        if (!link.isUp() || kv == null) {
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
            link.failedOnce(directoryFailureLogged, "listing the directory failed; answering with this instance's "
                    + "keys only", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.copyOf(found);
    }

    /**
     * Runs a task on the cluster's own thread; a failure is logged once as a failed update of the directory. Nothing
     * runs once the cluster is closing: the entries age out.
     */
    void submit(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    link.failedOnce(directoryFailureLogged, "updating the directory failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the entries age out
        }
    }

    /** Makes the bucket if it is gone, takes out entries of ours whose keys left, and puts every key we hold. */
    private void resync() {
        Connection current = link.current();
        if (!link.isUp() || current == null) {
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
            link.failedOnce(directoryFailureLogged, "bringing the directory up to date failed; trying again on the "
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
        if (!link.isUp() || directory == null) {
            return;
        }
        try {
            for (ConnectionKey key : store.keys()) {
                put(KeyCodec.encode(key));
            }
        } catch (RuntimeException e) {
            link.failedOnce(directoryFailureLogged, "refreshing the directory failed; trying again on the next "
                    + "refresh", e);
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
            link.failedOnce(directoryFailureLogged, "writing the directory failed", e);
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
            link.failedOnce(directoryFailureLogged, "removing from the directory failed", e);
        }
    }

    private static ConnectionKey decodeOrNull(String encoded) {
        try {
            return KeyCodec.decode(encoded);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
