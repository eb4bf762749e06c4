package dev.sfere.cluster;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The log's JetStream stream: made if it is gone (a memory stream does not survive a restart of the server), kept
 * as it is if another instance or an earlier deployment made it, with one exception, as for the directory's bucket:
 * a stream that keeps messages shorter than this instance's retention is given this instance's, or a client could
 * not resume within the window.
 *
 * <p>The stream's creation time names its incarnation, the epoch of every id its messages get, on every instance:
 * a stream made again has another epoch, so an id of the lost one is reset, never taken for one of the new one's.
 * Called on the cluster's own thread only.
 */
final class LogStream {

    private static final Logger LOG = NatsCluster.LOG;
    /** JetStream's error for a stream that does not exist. */
    private static final int STREAM_NOT_FOUND = 10059;
    /** JetStream's own default for how long a message id is remembered against a second publish. */
    private static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);

    private LogStream() {
    }

    /**
     * The log's stream, made if it is gone, its retention lengthened if it is shorter than this instance's.
     *
     * @throws IOException           if the server cannot be reached
     * @throws JetStreamApiException if the server refuses
     */
    static StreamInfo ensure(JetStreamManagement management, NatsSettings settings)
            throws IOException, JetStreamApiException {
        StreamInfo info;
        try {
            info = management.getStreamInfo(settings.stream());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            try {
                info = management.addStream(configuration(settings));
                LOG.fine(() -> "Sfere: made the log " + settings.stream());
                return info;
            } catch (JetStreamApiException made) {
                // another instance made it meanwhile
                LOG.log(Level.FINE, "Sfere: the log exists", made);
                info = management.getStreamInfo(settings.stream());
            }
        }
        return lengthenRetention(management, settings, info);
    }

    /** The stream as this instance would make it. */
    static StreamConfiguration configuration(NatsSettings settings) {
        Duration retention = settings.retention();
        StreamConfiguration.Builder stream = StreamConfiguration.builder()
                .name(settings.stream())
                .subjects(settings.subject())
                .maxAge(retention)
                .duplicateWindow(retention.compareTo(DUPLICATE_WINDOW) < 0 ? retention : DUPLICATE_WINDOW)
                .storageType(settings.fileStorage() ? StorageType.File : StorageType.Memory)
                .replicas(settings.replicas())
                .discardPolicy(DiscardPolicy.Old);
        if (settings.streamMaxBytes() > 0) {
            stream.maxBytes(settings.streamMaxBytes());
        }
        return stream.build();
    }

    private static StreamInfo lengthenRetention(JetStreamManagement management, NatsSettings settings,
                                                StreamInfo info) {
        Duration kept = info.getConfiguration().getMaxAge();
        if (kept == null || kept.isZero() || kept.compareTo(settings.retention()) >= 0) {
            return info;
        }
        try {
            StreamInfo updated = management.updateStream(StreamConfiguration.builder(info.getConfiguration())
                    .maxAge(settings.retention()).build());
            LOG.info(() -> "Sfere: the log " + settings.stream() + " kept messages " + kept + "; now "
                    + settings.retention() + ", the resume window");
            return updated;
        } catch (JetStreamApiException | IOException | RuntimeException e) {
            LOG.log(Level.WARNING, e, () -> "Sfere: the log " + settings.stream() + " keeps messages " + kept
                    + ", shorter than the resume window " + settings.retention() + ", so a client away longer "
                    + "than that is reset; delete the stream or use the window it was made with");
            return info;
        }
    }

    /** How this instance publishes to the log: with a message id, so the server stores a message at most once. */
    static PublishOptions publishOptions(NatsSettings settings, String id) {
        return PublishOptions.builder().messageId(id).expectedStream(settings.stream()).build();
    }

    /**
     * This instance's consumer of the log: ephemeral, without acknowledgements, from a sequence, or from the first
     * message held.
     */
    static PushSubscribeOptions consumer(NatsSettings settings, long start) {
        ConsumerConfiguration.Builder consumer = ConsumerConfiguration.builder().ackPolicy(AckPolicy.None)
                .memStorage(true).inactiveThreshold(Duration.ofSeconds(30));
        consumer = start > 0 ? consumer.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(start)
                : consumer.deliverPolicy(DeliverPolicy.All);
        return PushSubscribeOptions.builder().stream(settings.stream()).configuration(consumer.build()).build();
    }

    /**
     * The epoch of a stream's ids: its creation time in nanoseconds, in base 36 (12 or 13 characters, so never
     * one of an instance's own 8-character epochs).
     */
    static String epoch(StreamInfo info) {
        Instant created = info.getCreateTime().toInstant();
        long nanos = created.getEpochSecond() * 1_000_000_000L + created.getNano();
        return Long.toString(nanos, 36);
    }
}
