package dev.sfere.quarkus;

import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** An application's store that the whole application would not share fails the build with SFERE-011. */
class StoreScopeTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RoomResource.class, PerRequestStore.class))
            .assertException(failure -> assertThat(Failures.text(failure))
                    .contains("SFERE-011")
                    .contains("@RequestScoped"));

    /** A store per request: the broadcaster would never see the streams. */
    public static class PerRequestStore {
        @Produces
        @RequestScoped
        ConnectionStore store() {
            return Stores.memory();
        }
    }

    @Test
    void buildFails() {
        Assertions.fail("the build should have failed");
    }
}
