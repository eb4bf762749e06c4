package dev.sfere.quarkus;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Cluster mode without the NATS client on the class path stops the application, saying what to add. */
class NatsClientMissingTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RoomResource.class))
            .overrideConfigKey("sfere.cluster.type", "nats")
            .assertException(failure -> assertThat(Failures.text(failure))
                    .contains("SFERE-101")
                    .contains("io.nats:jnats"));

    @Test
    void applicationDoesNotStart() {
        Assertions.fail("the build or the start should have failed");
    }
}
