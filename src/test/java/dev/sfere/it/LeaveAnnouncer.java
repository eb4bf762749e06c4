package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.KeyPattern;
import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Tells the lobby who left and why, from inside the eviction observer, as an application would. */
@ApplicationScoped
public class LeaveAnnouncer {

    @Inject
    Broadcaster broadcaster;

    void onEvicted(@Observes SfereEvicted event) {
        if (event.key().category().equals("lobby")) {
            broadcaster.broadcast(KeyPattern.all().withCategory("lobby"), "left",
                    event.key().id() + ":" + event.cause());
        }
    }
}
