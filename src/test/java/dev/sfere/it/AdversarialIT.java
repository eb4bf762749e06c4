package dev.sfere.it;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.spi.ConnectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a hostile client can do to an application that uses the library as its README says. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdversarialIT {

    @RegisterExtension
    static final TestServer server = TestServer.with()
            .beans(EventLog.class)
            .resources(AdversaryResource.class, OwnerFilter.class)
            .config("sfere.heartbeat.interval", "PT0S");

    private NioSseClients nio;
    private ConnectionStore store;
    private EventLog log;

    @BeforeAll
    void start() throws Exception {
        store = server.bean(ConnectionStore.class);
        log = server.bean(EventLog.class);
        nio = new NioSseClients(server.base());
    }

    @AfterAll
    void stop() throws Exception {
        if (nio != null) {
            nio.close();
        }
    }

    private NioSseClients.Client open(String user, String path) throws Exception {
        NioSseClients.Client client = nio.open(path, Map.of("Authorization", "Bearer t-" + user));
        await("an answer to " + user + "'s " + path).atMost(Duration.ofSeconds(10)).until(() -> client.status() != 0);
        return client;
    }

    /**
     * The id template {owner}-{device}, where a filter has made sure the owner is the caller: jean, choosing a
     * device name with the separator in it, must not land on jean-luc's key and close jean-luc's stream. Before,
     * both requests were accepted under [default, devices, jean-luc-phone] and jean's replaced jean-luc's.
     */
    @Test
    void twoPlaceholders_anotherUsersKeyCannotBeSpelledThroughTheFreeOne() throws Exception {
        ConnectionKey shared = ConnectionKey.of("default", "devices", "jean-luc-phone");
        NioSseClients.Client victim = open("jean-luc", "adv/devices/jean-luc/events?device=phone");
        NioSseClients.Client attacker = open("jean", "adv/devices/jean/events?device=luc-phone");
        System.out.println("AdversarialIT: jean-luc's phone -> " + victim.status() + ", jean's luc-phone -> "
                + attacker.status());
        // Nothing to wait for: a wrong replacement would come now, so give it time to show.
        Thread.sleep(500);

        assertThat(log.evicted()).as("evictions").noneMatch(e -> e.key().equals(shared)
                && e.cause() == EvictionCause.REPLACED);
        assertThat(victim.status() == 200 && attacker.status() == 200)
                .as("both (jean-luc, phone) and (jean, luc-phone) accepted under one id").isFalse();
        if (victim.status() == 200) {
            assertThat(victim.ended()).as("jean-luc's stream ended").isFalse();
        }
        for (NioSseClients.Client c : List.of(victim, attacker)) {
            assertThat(c.status()).isIn(200, 400);
            c.close();
        }
    }
}
