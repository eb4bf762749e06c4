package dev.sfere.quarkus;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.KeyPattern;
import dev.sfere.SfereConnected;
import io.quarkus.test.QuarkusUnitTest;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On ArC, the build compatible extension adds the library's beans and binds its interceptor: a stream opened over
 * HTTP is registered under its key, and broadcasts reach it.
 */
class RegistrationTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RoomResource.class, Arrivals.class, SseStream.class))
            .overrideConfigKey("quarkus.http.host", "127.0.0.1")
            .overrideConfigKey("quarkus.http.test-port", "0");

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final KeyPattern ROOM = KeyPattern.of(KeyPattern.ANY, KeyPattern.literal("room"), KeyPattern.ANY);

    @TestHTTPResource("/rooms/")
    URI rooms;

    @Inject
    Connections connections;

    @Inject
    Broadcaster broadcaster;

    @Inject
    Arrivals arrivals;

    /** Records the registrations the library announces. */
    @ApplicationScoped
    public static class Arrivals {
        private final List<ConnectionKey> keys = new CopyOnWriteArrayList<>();

        void on(@Observes SfereConnected event) {
            keys.add(event.key());
        }

        List<ConnectionKey> keys() {
            return keys;
        }
    }

    private SseStream open(String user) {
        return new SseStream(rooms.resolve(user + "/events"));
    }

    @Test
    void stream_isRegisteredUnderItsKey_andAnnounced() {
        ConnectionKey alice = ConnectionKey.of("default", "room", "alice");
        try (SseStream stream = open("alice")) {
            await().atMost(WAIT).until(() -> connections.contains(alice));
            assertThat(arrivals.keys()).contains(alice);
            assertThat(connections.keys(KeyPattern.all())).containsExactly(alice);
        }
        // The client went away: the next write fails and the connection is purged.
        await().atMost(WAIT).until(() -> {
            broadcaster.send(alice, broadcaster.event("ping", "x"));
            return !connections.contains(alice);
        });
    }

    @Test
    void broadcast_reachesEveryMatchingStream_butTheExcluded() throws Exception {
        ConnectionKey bob = ConnectionKey.of("default", "room", "bob");
        try (SseStream carol = open("carol"); SseStream bobs = open("bob"); SseStream dave = open("dave")) {
            await().atMost(WAIT).until(() -> connections.count(ROOM) == 3);

            int reached = broadcaster.broadcast(ROOM, Set.of(bob),
                    broadcaster.event("message", "first"));
            broadcaster.send(bob, broadcaster.event("message", "second"));

            assertThat(reached).isEqualTo(2);
            assertThat(carol.next(WAIT)).isEqualTo("message first");
            assertThat(dave.next(WAIT)).isEqualTo("message first");
            assertThat(bobs.next(WAIT)).as("bob was excluded from the first").isEqualTo("message second");
        }
    }
}
