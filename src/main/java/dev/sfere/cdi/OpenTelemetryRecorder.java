package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.engine.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records the library's metrics through the OpenTelemetry API. Loaded only where an {@code OpenTelemetry} bean is
 * present (MicroProfile Telemetry provides one). Attributes are bounded: a key's category (chosen by the
 * application, a handful), a cause, an outcome or a result; never a user id or a key's id.
 *
 * <p>Hot paths add to a counter once per delivery or per drain of a stream's queue, with attributes made once.
 */
final class OpenTelemetryRecorder implements Telemetry {

    /** The instrumentation scope's name. */
    static final String SCOPE = "dev.sfere";
    static final AttributeKey<String> CATEGORY = AttributeKey.stringKey("sfere.category");
    static final AttributeKey<String> CAUSE = AttributeKey.stringKey("sfere.cause");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sfere.outcome");
    static final AttributeKey<String> RESULT = AttributeKey.stringKey("sfere.result");
    static final AttributeKey<String> DIRECTION = AttributeKey.stringKey("sfere.direction");

    private final LongUpDownCounter active;
    private final LongCounter queued;
    private final LongCounter written;
    private final LongCounter dropped;
    private final LongCounter evictions;
    private final LongCounter resumes;
    private final LongHistogram queueDepth;
    private final DoubleHistogram deliveryDuration;
    private final LongCounter heartbeats;
    private final LongCounter cluster;
    private final Map<String, Attributes> directions = new ConcurrentHashMap<>();
    private final Map<String, Attributes> categories = new ConcurrentHashMap<>();
    private final Map<EvictionCause, Attributes> causes = new EnumMap<>(EvictionCause.class);
    private final Attributes resumed = Attributes.of(OUTCOME, "resumed");
    private final Attributes reset = Attributes.of(OUTCOME, "reset");
    private final Attributes sent = Attributes.of(RESULT, "sent");
    private final Attributes failed = Attributes.of(RESULT, "failed");

    OpenTelemetryRecorder(OpenTelemetry openTelemetry) {
        Meter meter = openTelemetry.getMeter(SCOPE);
        active = meter.upDownCounterBuilder("sfere.connections.active").setUnit("{connection}")
                .setDescription("Open SSE streams on this instance, by category").build();
        queued = meter.counterBuilder("sfere.events.queued").setUnit("{event}")
                .setDescription("Events queued for streams, once per stream").build();
        written = meter.counterBuilder("sfere.events.written").setUnit("{event}")
                .setDescription("Events handed to the runtime's sink").build();
        dropped = meter.counterBuilder("sfere.events.dropped").setUnit("{event}")
                .setDescription("Events queued for a stream that ended, or refused by a full queue").build();
        evictions = meter.counterBuilder("sfere.evictions").setUnit("{connection}")
                .setDescription("Streams removed, by cause").build();
        resumes = meter.counterBuilder("sfere.resumes").setUnit("{connection}")
                .setDescription("Streams opened with a last event id, by outcome (resumed or reset)").build();
        queueDepth = meter.histogramBuilder("sfere.queue.depth").ofLongs().setUnit("{event}")
                .setDescription("Events waiting in a stream's queue when a delivery thread took it up").build();
        deliveryDuration = meter.histogramBuilder("sfere.delivery.duration").setUnit("s")
                .setDescription("How long a stream's queue waited for a delivery thread").build();
        heartbeats = meter.counterBuilder("sfere.heartbeats").setUnit("{heartbeat}")
                .setDescription("Heartbeat comments queued (sent), or whose write failed (failed)").build();
        cluster = meter.counterBuilder("sfere.cluster.events").setUnit("{event}")
                .setDescription("Events published to the cluster's log, received from it, or dropped while held")
                .build();
        for (EvictionCause cause : EvictionCause.values()) {
            causes.put(cause, Attributes.of(CAUSE, cause.name().toLowerCase(Locale.ROOT)));
        }
    }

    /**
     * The recorder for the application's {@code OpenTelemetry} bean, or {@link Telemetry#NONE} without one. Call only
     * where the OpenTelemetry API is on the class path.
     *
     * @param beans the container's beans
     * @return the recorder
     */
    static Telemetry lookUp(jakarta.enterprise.inject.Instance<Object> beans) {
        jakarta.enterprise.inject.Instance<OpenTelemetry> found = beans.select(OpenTelemetry.class);
        return found.isResolvable() ? new OpenTelemetryRecorder(found.get()) : Telemetry.NONE;
    }

    private Attributes category(ConnectionKey key) {
        return categories.computeIfAbsent(key.category(), category -> Attributes.of(CATEGORY, category));
    }

    @Override
    public void connected(ConnectionKey key, Resumption resumption) {
        active.add(1, category(key));
        if (resumption != Resumption.NEW) {
            resumes.add(1, resumption == Resumption.RESUMED ? resumed : reset);
        }
    }

    @Override
    public void evicted(ConnectionKey key, EvictionCause cause) {
        active.add(-1, category(key));
        evictions.add(1, causes.get(cause));
    }

    @Override
    public void queued(long events) {
        if (events > 0) {
            queued.add(events);
        }
    }

    @Override
    public void drained(int depth, long waitedNanos, int writtenEvents) {
        queueDepth.record(depth);
        deliveryDuration.record(waitedNanos / 1e9);
        if (writtenEvents > 0) {
            written.add(writtenEvents);
        }
    }

    @Override
    public void dropped(int events) {
        dropped.add(events);
    }

    @Override
    public void cluster(String direction, int events) {
        if (events > 0) {
            cluster.add(events, directions.computeIfAbsent(direction, d -> Attributes.of(DIRECTION, d)));
        }
    }

    @Override
    public void heartbeats(int sentComments, int failedStreams) {
        if (sentComments > 0) {
            heartbeats.add(sentComments, sent);
        }
        if (failedStreams > 0) {
            heartbeats.add(failedStreams, failed);
        }
    }
}
