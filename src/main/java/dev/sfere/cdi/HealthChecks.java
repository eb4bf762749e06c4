package dev.sfere.cdi;

import dev.sfere.engine.EngineHealth;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The library's MicroProfile Health checks, both named {@code sfere}. MicroProfile Health is optional: the extension
 * adds these beans only where the runtime has its API, and nothing here is loaded otherwise.
 *
 * <ul>
 *   <li><b>Liveness</b> is DOWN only when the library cannot deliver: heartbeat rounds have fallen more than three
 *       periods behind, or delivery tasks have stood still for longer than twice the write deadline (30 s without
 *       one), which the watch on stalled writes never allows while the library works.</li>
 *   <li><b>Readiness</b> is UP once the library has started, with data: open streams, the cluster connection's state,
 *       and the history's fill. A NATS outage does not make an instance unready: local delivery goes on, and every
 *       instance would lose NATS at once, so taking them all out of the load balancer would only turn a partial
 *       outage into a full one.</li>
 * </ul>
 */
final class HealthChecks {

    /** The checks' name. */
    static final String NAME = "sfere";
    /** The beans the extension adds. */
    static final List<Class<?>> TYPES = List.of(Live.class, Ready.class);

    private HealthChecks() {
    }

    /** Made directly: the builder needs the runtime's provider, which a test container may not have. */
    private static HealthCheckResponse response(boolean up, Map<String, Object> data) {
        return new HealthCheckResponse(NAME, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }

    /** Liveness: whether the library can still deliver. */
    @Liveness
    @ApplicationScoped
    static class Live implements HealthCheck {

        private ConnectionLifecycle lifecycle;

        /** For the container's proxy only. */
        Live() {
        }

        @Inject
        Live(ConnectionLifecycle lifecycle) {
            this.lifecycle = lifecycle;
        }

        @Override
        public HealthCheckResponse call() {
            EngineHealth health = lifecycle.engine().health();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("heartbeatsLateMs", health.heartbeatsLateNanos() / 1_000_000);
            data.put("deliveryStuckMs", health.deliveryStuckNanos() / 1_000_000);
            return response(health.live(), data);
        }
    }

    /** Readiness: UP, with what an operator wants to see. */
    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {

        private ConnectionLifecycle lifecycle;

        /** For the container's proxy only. */
        Ready() {
        }

        @Inject
        Ready(ConnectionLifecycle lifecycle) {
            this.lifecycle = lifecycle;
        }

        @Override
        public HealthCheckResponse call() {
            EngineHealth health = lifecycle.engine().health();
            long fill = health.historyMaxBytes() == 0 ? 0 : 100 * health.historyBytes() / health.historyMaxBytes();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("streams", (long) health.streams());
            data.put("cluster", health.cluster());
            data.put("historyEvents", (long) health.historyEvents());
            data.put("historyBytes", health.historyBytes());
            data.put("historyFillPercent", fill);
            return response(true, data);
        }
    }
}
