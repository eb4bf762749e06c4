package dev.sfere.cdi;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.engine.EngineHealth;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The MicroProfile Health checks in a CDI container: found under their qualifiers, UP on a healthy container. */
@EnableWeld
class HealthTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld().addExtension(new SfereExtension())).build();

    @Inject
    @Any
    Instance<HealthCheck> checks;

    @Inject
    ConnectionLifecycle lifecycle;

    @Inject
    jakarta.enterprise.inject.spi.BeanManager manager;

    @Inject
    ConnectionStore store;

    private HealthCheckResponse only(java.lang.annotation.Annotation qualifier) {
        List<HealthCheck> found = checks.select(qualifier).stream().toList();
        assertThat(found).hasSize(1);
        return found.get(0).call();
    }

    @Test
    void liveness_isUp_namedSfere() {
        HealthCheckResponse live = only(Liveness.Literal.INSTANCE);
        assertThat(live.getName()).isEqualTo("sfere");
        assertThat(live.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(live.getData()).hasValueSatisfying(data -> assertThat(data).containsKeys("heartbeatsLateMs",
                "deliveryStuckMs"));
    }

    @Test
    void readiness_isUp_withStreamsClusterAndHistory() {
        lifecycle.engine().register(ConnectionKey.of("default", "lobby", "alice"), new FakeSink(FakeSink.Mode.HEALTHY));
        lifecycle.engine().deliver(KeyPattern.all(), null, null,
                new jakarta.ws.rs.sse.OutboundSseEvent[]{dev.sfere.OutboundEvents.text("m", "x")});
        HealthCheckResponse ready = only(Readiness.Literal.INSTANCE);
        assertThat(ready.getName()).isEqualTo("sfere");
        assertThat(ready.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(ready.getData()).hasValueSatisfying(data -> {
            assertThat(data).containsEntry("streams", 1L).containsEntry("cluster", "none")
                    .containsEntry("historyEvents", 1L);
            assertThat((Long) data.get("historyBytes")).isPositive();
        });
        assertThat(store.keys()).hasSize(1);
    }

    /**
     * Regression: on WildFly 39 the checks were missing from the management port's health endpoints. Its health
     * subsystem finds checks through a bean manager that does not see the archive of the types the extension adds,
     * but sees the Health API's module's, where Weld files a bean whose bean class is the API's.
     */
    @Test
    void archiveClass_wildFlyMissedTheChecks_isTheApisWhereItIsAJBossModule() {
        ClassLoader jbossModule = new org.jboss.modules.ModuleClassLoaderStandIn();
        assertThat(HealthChecks.archiveClass(jbossModule)).isEqualTo(HealthCheck.class);
        assertThat(HealthChecks.archiveClass(getClass().getClassLoader())).isEqualTo(HealthChecks.class);
        assertThat(HealthChecks.archiveClass(null)).isEqualTo(HealthChecks.class);
        for (java.lang.annotation.Annotation kind : List.of(Liveness.Literal.INSTANCE, Readiness.Literal.INSTANCE)) {
            assertThat(manager.getBeans(HealthCheck.class, kind)).singleElement()
                    .satisfies(bean -> assertThat(bean.getBeanClass()).isEqualTo(HealthChecks.class));
        }
    }

    @Test
    void liveness_goesDown_whenHeartbeatsFallBehind_orDeliveryStandsStill() {
        long second = 1_000_000_000L;
        assertThat(new EngineHealth(0, 0, 0, 5 * second, "none", 0, 0, 1).live()).isTrue();
        assertThat(new EngineHealth(0, 1, 0, 5 * second, "none", 0, 0, 1).live()).as("heartbeats behind").isFalse();
        assertThat(new EngineHealth(0, 0, 10 * second, 5 * second, "none", 0, 0, 1).live()).isTrue();
        assertThat(new EngineHealth(0, 0, 10 * second + 1, 5 * second, "none", 0, 0, 1).live())
                .as("stuck past twice the deadline").isFalse();
        assertThat(new EngineHealth(0, 0, 31 * second, 0, "none", 0, 0, 1).live()).as("no deadline: 30 s").isFalse();
    }
}
