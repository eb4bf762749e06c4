package dev.sfere.quarkus;

import dev.sfere.SfereKey;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A misused {@code @SfereKey} fails the Quarkus build with its SFERE code, as it fails deployment elsewhere. */
class MisusedKeyTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Misused.class))
            .assertException(failure -> assertThat(Failures.text(failure))
                    .contains("SFERE-005")
                    .contains(Misused.class.getName() + ".events")
                    .contains("{room}"));

    /** The template names a parameter the method does not have. */
    @Path("/misused")
    public static class Misused {

        /**
         * A stream whose key cannot be made.
         *
         * @param user the user
         * @param sink the stream
         */
        @GET
        @Path("{user}/events")
        @Produces(MediaType.SERVER_SENT_EVENTS)
        @SfereKey(category = "room", id = "{room}")
        public void events(@PathParam("user") String user, @Context SseEventSink sink) {
        }
    }

    @Test
    void buildFails() {
        // Not run when the build fails as expected; QuarkusUnitTest fails the class if the build succeeds.
        Assertions.fail("the build should have failed");
    }
}
