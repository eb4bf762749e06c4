package dev.sfere.quarkus;

import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import io.quarkus.test.QuarkusUnitTest;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application's own store and scope resolver replace the library's defaults on ArC: with a default beside them,
 * every injection of either would be ambiguous and the build would fail; and streams land in the application's store
 * under the application's scope.
 */
class OwnBeansTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RoomResource.class, OwnStore.class, TenantScopes.class,
                    SseStream.class))
            .overrideConfigKey("quarkus.http.host", "127.0.0.1")
            .overrideConfigKey("quarkus.http.test-port", "0");

    @TestHTTPResource("/rooms/")
    URI rooms;

    @Inject
    OwnStore own;

    @Inject
    ConnectionStore injected;

    /** The application's store, kept where the test can look into it. */
    @ApplicationScoped
    public static class OwnStore {
        private final ConnectionStore store = Stores.memory();

        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return store;
        }

        /** Read through the bean's proxy, which has no state of its own. */
        ConnectionStore kept() {
            return store;
        }
    }

    /** The application's scope resolver: every stream in one tenant. */
    @ApplicationScoped
    public static class TenantScopes implements ScopeResolver {
        @Override
        public String scope() {
            return "tenant-a";
        }
    }

    @Test
    void streams_landInTheApplicationsStore_underItsScope() {
        ConnectionKey alice = ConnectionKey.of("tenant-a", "room", "alice");
        try (SseStream stream = new SseStream(rooms.resolve("alice/events"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> own.kept().get(alice).isPresent());
            assertThat(injected.get(alice)).as("the one ConnectionStore bean is the application's").isPresent();
            assertThat(own.kept().keys()).containsExactly(alice);
        }
    }
}
