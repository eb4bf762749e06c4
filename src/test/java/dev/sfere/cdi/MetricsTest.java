package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.engine.Streams;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each metric moves as its event happens, read through the OpenTelemetry SDK's in-memory reader. */
class MetricsTest {

    private static final ConnectionKey ALICE = ConnectionKey.of("s", "lobby", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("s", "lobby", "bob");

    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    private final ConnectionStore store = Stores.memory();
    private final Engine engine = new Engine(store,
            new EngineSettings(Duration.ofMillis(50), 2, 4, 100, Duration.ofSeconds(5)),
            new Engine.Listener() {
                @Override
                public void connected(ConnectionKey key, dev.sfere.Resumption resumption) {
                }

                @Override
                public void evicted(ConnectionKey key, EvictionCause cause) {
                }
            }, null, new OpenTelemetryRecorder(sdk));

    @AfterEach
    void stop() {
        engine.shutdown();
        sdk.close();
    }

    private long sum(String name, Attributes attributes) {
        Collection<MetricData> metrics = reader.collectAllMetrics();
        for (MetricData metric : metrics) {
            if (metric.getName().equals(name)) {
                Collection<? extends LongPointData> points = metric.getType() == io.opentelemetry.sdk.metrics.data
                        .MetricDataType.LONG_SUM ? metric.getLongSumData().getPoints() : java.util.List.of();
                return points.stream().filter(p -> p.getAttributes().equals(attributes))
                        .mapToLong(LongPointData::getValue).sum();
            }
        }
        return 0;
    }

    private long histogramCount(String name) {
        for (MetricData metric : reader.collectAllMetrics()) {
            if (metric.getName().equals(name)) {
                return metric.getHistogramData().getPoints().stream().mapToLong(HistogramPointData::getCount).sum();
            }
        }
        return 0;
    }

    private static OutboundSseEvent[] event(String data) {
        return new OutboundSseEvent[]{OutboundEvents.text("m", data)};
    }

    @Test
    void connectBroadcastAndEvictions_moveTheirMetrics() {
        Attributes lobby = Attributes.of(OpenTelemetryRecorder.CATEGORY, "lobby");
        FakeSink aliceSink = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection alice = engine.register(ALICE, aliceSink);
        Streams.opened(alice);
        Streams.opened(engine.register(BOB, new FakeSink(FakeSink.Mode.HEALTHY)));
        assertThat(sum("sfere.connections.active", lobby)).isEqualTo(2);

        engine.deliver(KeyPattern.all(), null, null, event("one"));
        engine.deliver(KeyPattern.all(), Set.of(BOB), null, event("two"));
        assertThat(sum("sfere.events.queued", Attributes.empty())).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> sum("sfere.events.written", Attributes.empty()) == 3);
        assertThat(histogramCount("sfere.queue.depth")).isPositive();
        assertThat(histogramCount("sfere.delivery.duration")).isEqualTo(histogramCount("sfere.queue.depth"));

        store.purge(BOB, EvictionCause.EXPLICIT);
        engine.register(ALICE, new FakeSink(FakeSink.Mode.HEALTHY));
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "explicit"))).isEqualTo(1);
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "replaced"))).isEqualTo(1);
        assertThat(sum("sfere.connections.active", lobby)).isEqualTo(1);
    }

    @Test
    void aFailedWrite_anOverflow_andShutdown_areCountedByCause_andDroppedEventsToo() {
        Streams.opened(engine.register(ALICE, new FakeSink(FakeSink.Mode.THROWS)));
        engine.deliver(KeyPattern.exactly(ALICE), null, null, event("x"));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "closed")) == 1);

        // Still opening, so nothing is written: the third event overflows a queue of 2.
        engine.register(BOB, new FakeSink(FakeSink.Mode.HEALTHY));
        for (int i = 0; i < 3; i++) {
            engine.deliver(KeyPattern.exactly(BOB), null, null, event("y" + i));
        }
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "slow"))).isEqualTo(1);
        assertThat(sum("sfere.events.dropped", Attributes.empty())).as("two queued, one refused").isEqualTo(3);

        Streams.opened(engine.register(ConnectionKey.of("s", "game", "t1"), new FakeSink(FakeSink.Mode.HEALTHY)));
        engine.shutdown();
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "shutdown"))).isEqualTo(1);
        assertThat(sum("sfere.connections.active", Attributes.of(OpenTelemetryRecorder.CATEGORY, "game")))
                .isZero();
    }

    /** Every cause a store can report is counted under its own attribute, whoever decided it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(EvictionCause.class)
    void everyCause_isCountedUnderItsName(EvictionCause cause) {
        Streams.opened(engine.register(ALICE, new FakeSink(FakeSink.Mode.HEALTHY)));
        store.purge(ALICE, cause);
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE,
                cause.name().toLowerCase(java.util.Locale.ROOT)))).isEqualTo(1);
        assertThat(sum("sfere.connections.active", Attributes.of(OpenTelemetryRecorder.CATEGORY, "lobby")))
                .isZero();
    }

    @Test
    void resumesAndResets_areCountedByOutcome() {
        FakeSink first = new FakeSink(FakeSink.Mode.HEALTHY);
        Streams.opened(engine.register(ALICE, first));
        engine.deliver(KeyPattern.all(), null, null, event("one"));
        await().atMost(Duration.ofSeconds(5)).until(() -> first.sent.size() == 1);
        String id = first.sent.get(0).getId();

        Streams.opened(engine.register(ALICE, new FakeSink(FakeSink.Mode.HEALTHY), id));
        Streams.opened(engine.register(ALICE, new FakeSink(FakeSink.Mode.HEALTHY), "nonsense"));
        assertThat(sum("sfere.resumes", Attributes.of(OpenTelemetryRecorder.OUTCOME, "resumed"))).isEqualTo(1);
        assertThat(sum("sfere.resumes", Attributes.of(OpenTelemetryRecorder.OUTCOME, "reset"))).isEqualTo(1);
    }

    /** With a cluster: events handed to its log, received from it, and dropped from those held for the others. */
    @Test
    void clusterEvents_publishedReceivedAndDropped() {
        java.util.concurrent.atomic.AtomicReference<dev.sfere.cluster.Cluster.LocalDelivery> local =
                new java.util.concurrent.atomic.AtomicReference<>();
        Engine clustered = new Engine(Stores.memory(),
                new EngineSettings(Duration.ZERO, 10, 4, 100, Duration.ofSeconds(5)), new Engine.Listener() {
                    @Override
                    public void connected(ConnectionKey key, dev.sfere.Resumption resumption) {
                    }

                    @Override
                    public void evicted(ConnectionKey key, EvictionCause cause) {
                    }
                }, (clusterStore, delivery) -> {
                    local.set(delivery);
                    return new dev.sfere.cluster.Cluster() {
                        @Override
                        public boolean publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys,
                                               KeyPattern excludePattern, OutboundSseEvent[] events) {
                            return true;
                        }

                        @Override
                        public void registered(ConnectionKey key) {
                        }

                        @Override
                        public void removed(ConnectionKey key) {
                        }

                        @Override
                        public java.util.List<ConnectionKey> keys(KeyPattern pattern) {
                            return java.util.List.of();
                        }

                        @Override
                        public void close() {
                        }
                    };
                }, new OpenTelemetryRecorder(sdk));
        try {
            clustered.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[]{OutboundEvents.text("m", "a"),
                    OutboundEvents.text("m", "b")});
            local.get().logOpened("epoch1", 0);
            local.get().logged(new dev.sfere.cluster.Cluster.LogPosition("epoch1", 1, 1, 0), KeyPattern.all(), null,
                    null, event("from the log"));
            local.get().dropped(3);
            assertThat(sum("sfere.cluster.events", Attributes.of(OpenTelemetryRecorder.DIRECTION, "published")))
                    .isEqualTo(2);
            assertThat(sum("sfere.cluster.events", Attributes.of(OpenTelemetryRecorder.DIRECTION, "received")))
                    .isEqualTo(1);
            assertThat(sum("sfere.cluster.events", Attributes.of(OpenTelemetryRecorder.DIRECTION, "dropped")))
                    .isEqualTo(3);
        } finally {
            clustered.shutdown();
        }
    }

    @Test
    void heartbeats_sentToQuietStreams_andFailedOnEndedOnes() {
        Streams.opened(engine.register(ALICE, new FakeSink(FakeSink.Mode.HEALTHY)));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sum("sfere.heartbeats", Attributes.of(OpenTelemetryRecorder.RESULT, "sent")) > 0);
        // A client gone quietly: its heartbeat is what finds out.
        Streams.opened(engine.register(BOB, new FakeSink(FakeSink.Mode.THROWS)));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sum("sfere.heartbeats", Attributes.of(OpenTelemetryRecorder.RESULT, "failed")) == 1);
        assertThat(sum("sfere.evictions", Attributes.of(OpenTelemetryRecorder.CAUSE, "closed"))).isEqualTo(1);
    }
}
