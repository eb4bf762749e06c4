package dev.sfere.example.e2eapp;

import dev.sfere.SfereEvicted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test-only, never in the example as shipped (see {@link MultilineResource}): why each lobby stream was removed. The
 * lobby's {@code left} event cannot say: its fixed reasons have no {@code slow}, and the example tells a stream given
 * up {@code SLOW} as {@code closed}, as it tells one whose client went away.
 */
@RequestScoped
@Path("e2e/evictions")
public class EvictionsResource {

    @Inject
    Log log;

    /** Every lobby user whose stream was removed, with the eviction causes in the order they came. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, List<String>> lobby() {
        return log.copy();
    }

    /** The causes, as the library fired them. Thread-safe: observers run on whichever thread evicts. */
    @ApplicationScoped
    public static class Log {
        private final Map<String, List<String>> causes = new TreeMap<>();

        void onEvicted(@Observes SfereEvicted evicted) {
            if (evicted.key().category().equals("lobby")) {
                synchronized (causes) {
                    causes.computeIfAbsent(evicted.key().id(), user -> new ArrayList<>()).add(evicted.cause().name());
                }
            }
        }

        Map<String, List<String>> copy() {
            synchronized (causes) {
                Map<String, List<String>> copy = new TreeMap<>();
                causes.forEach((user, list) -> copy.put(user, List.copyOf(list)));
                return copy;
            }
        }
    }
}
