package dev.sfere.bench.fanout;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * The {@code OpenTelemetry} an application server's MicroProfile Telemetry would supply, added to the fan-out server
 * with {@code --metrics=on} so that the library records its metrics (issue 20). The OpenTelemetry SDK aggregates them
 * and a reader collects them every {@link #INTERVAL}, as an exporter's would, then throws them away but for the count
 * of events written, which shows the recording really happened. Thread-safe.
 */
@Singleton
public class MeteredOpenTelemetry {

    /** Far more often than an exporter's default minute, so that collection's cost is inside every measurement. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final Discarding exporter = new Discarding();
    private final SdkMeterProvider meters = SdkMeterProvider.builder()
            .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(INTERVAL).build())
            .build();

    @Produces
    @Singleton
    OpenTelemetry openTelemetry() {
        return OpenTelemetrySdk.builder().setMeterProvider(meters).build();
    }

    /**
     * Collects now and tells how many events the library counted as written.
     *
     * @return the cumulative {@code sfere.events.written}, 0 if never recorded
     */
    long written() {
        meters.forceFlush().join(10, TimeUnit.SECONDS);
        return exporter.written;
    }

    @PreDestroy
    void close() {
        meters.close();
    }

    /** Keeps one number of each collection and drops the rest. */
    private static final class Discarding implements MetricExporter {
        private volatile long written;

        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
            for (MetricData metric : metrics) {
                if (metric.getName().equals("sfere.events.written")) {
                    written = metric.getLongSumData().getPoints().stream().mapToLong(LongPointData::getValue).sum();
                }
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
            return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
