package dev.sfere.quarkus;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad value of a {@code sfere.*} key stops the application, naming the key, the value and what is allowed. */
class BadConfigurationTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RoomResource.class))
            .overrideConfigKey("sfere.store.type", "disk")
            .assertException(failure -> assertThat(Failures.text(failure))
                    .contains("SFERE-100")
                    .contains("sfere.store.type=\"disk\"")
                    .contains("memory or caffeine"));

    @Test
    void applicationDoesNotStart() {
        Assertions.fail("the build or the start should have failed");
    }
}
