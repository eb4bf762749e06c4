package dev.sfere.it;

import dev.sfere.SfereConnected;
import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the library's CDI events, in order, for assertions. */
@ApplicationScoped
public class EventLog {

    private final List<SfereConnected> connected = new CopyOnWriteArrayList<>();
    private final List<SfereEvicted> evicted = new CopyOnWriteArrayList<>();

    public List<SfereConnected> connected() {
        return List.copyOf(connected);
    }

    public List<SfereEvicted> evicted() {
        return List.copyOf(evicted);
    }

    void onConnected(@Observes SfereConnected event) {
        connected.add(event);
    }

    void onEvicted(@Observes SfereEvicted event) {
        evicted.add(event);
        AFTER_SHUTDOWN.add(event);
    }

    /** Survives the container, for tests that look after it has stopped; cleared by them. */
    static final List<SfereEvicted> AFTER_SHUTDOWN = new CopyOnWriteArrayList<>();
}
