package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Misused annotations fail deployment; an application's own beans replace the library's defaults. */
class MisuseIT {

    /** Booted only by the test that uses it: the others boot Weld alone, to see deployment fail. */
    @RegisterExtension
    final TestServer server = TestServer.with().beans(OwnBeans.class).resources(LobbyResource.class)
            .config("sfere.heartbeat.interval", "PT0S");

    @Test
    void templateNamingNoParameter_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), TypoResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-005")
                .hasMessageContaining("TypoResource.events")
                .hasMessageContaining("{usr}")
                .hasMessageContaining("[user]");
    }

    @Test
    void twoSinks_failDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), TwoSinksResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-003");
    }

    @Test
    void blankCategory_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), BlankCategoryResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-002");
    }

    @Test
    void templateNameCarriedByTwoParameters_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), TwoSourcesResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-008")
                .hasMessageContaining("TwoSourcesResource.events")
                .hasMessageContaining("{user}")
                .hasMessageContaining("parameters 0 and 1");
    }

    @Test
    void twoParametersSideBySideInTheTemplate_failDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), SideBySideResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-012")
                .hasMessageContaining("SideBySideResource.events")
                .hasMessageContaining("{user}{device}");
    }

    @Test
    void controlCharacterInTheTemplatesFixedText_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), TabResource.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-009")
                .hasMessageContaining("TabResource.events")
                .hasMessageContaining("U+0009");
    }

    /** Before, the decorator made the library leave its store out, and deployment failed as unsatisfied. */
    @Test
    void decoratorOfTheLibrarysStore_failsDeploymentSayingWhatToDoInstead() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), CountingStore.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-010")
                .hasMessageContaining(CountingStore.class.getName())
                .hasMessageContaining("@Produces @ApplicationScoped ConnectionStore");
    }

    /** Before, each injection point got a store of its own, and the application saw none of the connections. */
    @Test
    void applicationStoreWithoutASharedScope_failsDeployment() {
        assertThatThrownBy(() -> TestServer.deployOnly(Map.of(), DependentStore.class))
                .isInstanceOfAny(DefinitionException.class, DeploymentException.class)
                .hasMessageContaining("SFERE-011")
                .hasMessageContaining("@Dependent")
                .hasMessageContaining("@ApplicationScoped or @Singleton");
    }

    @Test
    void applicationProducers_replaceTheDefaultsWithoutAmbiguity() {
        try (SseClient alice = SseClient.open(server.base(), "t/lobby/alice/events")) {
            alice.await("welcome", "alice");
            assertThat(OwnBeans.STORE.keys()).containsExactly(ConnectionKey.of("own-scope", "lobby", "alice"));
            assertThat(server.bean(ScopeResolver.class).scope()).isEqualTo("own-scope");
        }
    }

    @Path("typo")
    @RequestScoped
    public static class TypoResource {
        @GET
        @Path("{user}")
        @SfereKey(category = "lobby", id = "{usr}")
        public void events(@PathParam("user") String user, @Context SseEventSink sink) {
        }
    }

    @Path("two")
    @RequestScoped
    public static class TwoSinksResource {
        @GET
        @Path("{user}")
        @SfereKey(category = "lobby", id = "{user}")
        public void events(@PathParam("user") String user, @Context SseEventSink a, @Context SseEventSink b) {
        }
    }

    @Path("blank")
    @RequestScoped
    public static class BlankCategoryResource {
        @GET
        @Path("{user}")
        @SfereKey(category = " ", id = "{user}")
        public void events(@PathParam("user") String user, @Context SseEventSink sink) {
        }
    }

    /** {user} could come from the query string as well as the path: the client would choose its key. */
    @Path("sources")
    @RequestScoped
    public static class TwoSourcesResource {
        @GET
        @Path("{user}")
        @SfereKey(category = "lobby", id = "{user}")
        public void events(@QueryParam("user") String fromQuery, @PathParam("user") String fromPath,
                           @Context SseEventSink sink) {
        }
    }

    @Path("side")
    @RequestScoped
    public static class SideBySideResource {
        @GET
        @Path("{user}")
        @SfereKey(category = "lobby", id = "{user}{device}")
        public void events(@PathParam("user") String user, @QueryParam("device") String device,
                           @Context SseEventSink sink) {
        }
    }

    @Path("tab")
    @RequestScoped
    public static class TabResource {
        @GET
        @Path("{room}")
        @SfereKey(category = "lobby", id = "room\t{room}")
        public void events(@PathParam("room") String room, @Context SseEventSink sink) {
        }
    }

    /** A store produced without a scope: a new one for every injection point. */
    public static class DependentStore {
        @Produces
        ConnectionStore store() {
            return Stores.memory();
        }
    }

    /** A decorator of the store: CDI would never apply it to the store the library adds. */
    @Decorator
    @Priority(100)
    public abstract static class CountingStore implements ConnectionStore {
        @Inject
        @Delegate
        ConnectionStore delegate;

        @Override
        public boolean purge(ConnectionKey key, EvictionCause cause) {
            return delegate.purge(key, cause);
        }
    }

    /** An application's own store and scope resolver, as plain producers. */
    @ApplicationScoped
    public static class OwnBeans {
        static final ConnectionStore STORE = Stores.memory();

        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return STORE;
        }

        @Produces
        ScopeResolver scope() {
            return () -> "own-scope";
        }
    }
}
