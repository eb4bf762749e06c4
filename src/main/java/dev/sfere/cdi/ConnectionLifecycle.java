package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.SfereConnected;
import dev.sfere.SfereEvicted;
import dev.sfere.cluster.Cluster;
import dev.sfere.cluster.NatsCluster;
import dev.sfere.cluster.NatsSettings;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.engine.Telemetry;
import dev.sfere.spi.ConnectionStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The application's {@link Engine}, tied to the container: made from the configuration, started when the
 * application starts and shut down before it stops; its registrations and removals fired as CDI events.
 */
@ApplicationScoped
class ConnectionLifecycle {

    private static final Logger LOG = Logger.getLogger(ConnectionLifecycle.class.getName());
    /** The class whose presence shows the OpenTelemetry API is there. */
    static final String OPEN_TELEMETRY = "io.opentelemetry.api.OpenTelemetry";

    private Engine engine;

    /** For the container's proxy only. */
    ConnectionLifecycle() {
    }

    @Inject
    ConnectionLifecycle(ConnectionStore store, Event<SfereConnected> connected, Event<SfereEvicted> evicted,
                        Instance<Object> beans) {
        this(store, connected, evicted, SfereBeans.readConfig(), beans);
    }

    ConnectionLifecycle(ConnectionStore store, Event<SfereConnected> connected, Event<SfereEvicted> evicted,
                        SfereConfig config, Instance<Object> beans) {
        NatsSettings nats = config.nats();
        this.engine = new Engine(store,
                new EngineSettings(config.heartbeatInterval(), config.queueSize(), config.maxDeliveryThreads(),
                        config.maximumSize(), config.writeTimeout(), config.resumeWindow(),
                        config.resumeMaxBytes(), config.resumeRetry()),
                new Engine.Listener() {
                    @Override
                    public void connected(ConnectionKey key, Resumption resumption) {
                        connected.fire(new SfereConnected(key, resumption));
                    }

                    @Override
                    public void evicted(ConnectionKey key, EvictionCause cause) {
                        evicted.fire(new SfereEvicted(key, cause));
                    }
                },
                nats == null ? null : (clusterStore, local) -> startNats(nats, clusterStore, local),
                telemetry(beans));
    }

    /** Metrics through OpenTelemetry where the API and an {@code OpenTelemetry} bean are there; else none. */
    private static Telemetry telemetry(Instance<Object> beans) {
        if (beans == null || !SfereBeans.classPresent(OPEN_TELEMETRY)) {
            return Telemetry.NONE;
        }
        try {
            return OpenTelemetryRecorder.lookUp(beans);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "Sfere: OpenTelemetry is there but its metrics could not be set up; none are"
                    + " recorded", e);
            return Telemetry.NONE;
        }
    }

    /** Apart, so that the NATS classes are loaded only when a cluster is configured. */
    private static Cluster startNats(NatsSettings nats, ConnectionStore store, Cluster.LocalDelivery local) {
        return NatsCluster.start(nats, store, local, JsonText::encode);
    }

    /**
     * The engine, started.
     *
     * @return the engine
     */
    Engine engine() {
        engine.start();
        return engine;
    }

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        engine.start();
    }

    void onShutdown(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        engine.shutdown();
    }

    @PreDestroy
    void shutdown() {
        engine.shutdown();
    }
}
