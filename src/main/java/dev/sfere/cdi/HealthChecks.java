package dev.sfere.cdi;

import dev.sfere.engine.EngineHealth;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.InjectionPoint;
import jakarta.enterprise.inject.spi.PassivationCapable;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The library's MicroProfile Health checks, both named {@code sfere}. MicroProfile Health is optional: the extension
 * adds these beans only where the runtime has its API, and nothing here is loaded otherwise.
 *
 * <p>They are beans of their own (synthetic), so that the archive they are filed in can be chosen: see
 * {@link #archiveClass}.
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
    /**
     * The checks as classes for a container to discover, as ArC does through {@link SfereBuildExtension}. The
     * portable extension adds beans of its own instead ({@link #addBeans}), whose archive it can choose.
     */
    static final List<Class<?>> SCANNED = List.of(ScannedLive.class, ScannedReady.class);

    private HealthChecks() {
    }

    /**
     * Adds the two checks, application scoped, each made on first use with the library's lifecycle.
     *
     * @param discovery the event to add them with
     * @param manager   a bean manager that sees the library's beans (the extension's own), to find the lifecycle
     */
    static void addBeans(AfterBeanDiscovery discovery, BeanManager manager) {
        Supplier<ConnectionLifecycle> lifecycle = () -> manager.createInstance().select(ConnectionLifecycle.class).get();
        Class<?> archive = archiveClass(HealthCheck.class.getClassLoader());
        discovery.addBean(new CheckBean(Liveness.Literal.INSTANCE, "Live", archive, () -> new Live(lifecycle.get())));
        discovery.addBean(new CheckBean(Readiness.Literal.INSTANCE, "Ready", archive,
                () -> new Ready(lifecycle.get())));
    }

    /**
     * The bean class the checks are given, which decides where the runtime looks for them: Weld files a bean in the
     * bean archive of its bean class, and a runtime's health support finds checks only in the archives its bean manager
     * sees.
     * <ul>
     *   <li>Where the Health API is a JBoss Modules module (WildFly), the health subsystem's bean manager sees the
     *       application's bean archives and those of the modules it depends on, the API's among them, but not the
     *       archive WildFly makes for the types a library's extension adds from a jar that is no bean archive itself
     *       (WildFly 39 listed no {@code sfere} check while they were filed there). So: the API's own type.</li>
     *   <li>Elsewhere, the library's: Open Liberty looks through the web module's bean manager, which sees the
     *       library's archive but not one made for an API class; Payara Micro takes every bean with a health
     *       qualifier, wherever it is.</li>
     * </ul>
     *
     * @param api the class loader of the Health API
     */
    static Class<?> archiveClass(ClassLoader api) {
        boolean jbossModule = api != null && api.getClass().getName().startsWith("org.jboss.modules.");
        return jbossModule ? HealthCheck.class : HealthChecks.class;
    }

    /**
     * One check as a bean of type {@link HealthCheck} under its kind's qualifier. A {@link Bean} of its own rather than
     * a configurator's: Weld files a configurator's bean in the extension's archive whatever bean class it is given.
     */
    private record CheckBean(Annotation kind, String name, Class<?> beanClass, Supplier<HealthCheck> make)
            implements Bean<HealthCheck>, PassivationCapable {

        @Override
        public Class<?> getBeanClass() {
            return beanClass;
        }

        @Override
        public Set<InjectionPoint> getInjectionPoints() {
            return Set.of();
        }

        @Override
        public HealthCheck create(CreationalContext<HealthCheck> context) {
            return make.get();
        }

        @Override
        public void destroy(HealthCheck instance, CreationalContext<HealthCheck> context) {
            context.release();
        }

        @Override
        public Set<Type> getTypes() {
            return Set.of(HealthCheck.class, Object.class);
        }

        @Override
        public Set<Annotation> getQualifiers() {
            return Set.of(kind, Any.Literal.INSTANCE);
        }

        @Override
        public Class<? extends Annotation> getScope() {
            return ApplicationScoped.class;
        }

        @Override
        public String getName() {
            return null;
        }

        @Override
        public Set<Class<? extends Annotation>> getStereotypes() {
            return Set.of();
        }

        @Override
        public boolean isAlternative() {
            return false;
        }

        @Override
        public String getId() {
            return HealthChecks.class.getName() + "." + name;
        }
    }

    /** Made directly: the builder needs the runtime's provider, which a test container may not have. */
    private static HealthCheckResponse response(boolean up, Map<String, Object> data) {
        return new HealthCheckResponse(NAME, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }

    /** Liveness: whether the library can still deliver. */
    static final class Live implements HealthCheck {

        private final ConnectionLifecycle lifecycle;

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
    static final class Ready implements HealthCheck {

        private final ConnectionLifecycle lifecycle;

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

    /** {@link Live}, as a class for a container to discover. */
    @Liveness
    @ApplicationScoped
    static class ScannedLive implements HealthCheck {
        @Inject
        ConnectionLifecycle lifecycle;

        @Override
        public HealthCheckResponse call() {
            return new Live(lifecycle).call();
        }
    }

    /** {@link Ready}, as a class for a container to discover. */
    @Readiness
    @ApplicationScoped
    static class ScannedReady implements HealthCheck {
        @Inject
        ConnectionLifecycle lifecycle;

        @Override
        public HealthCheckResponse call() {
            return new Ready(lifecycle).call();
        }
    }
}
