package dev.sfere.example;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.SfereEvicted;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells the users still in the lobby who left, and why. A user who leaves, or is closed for room or at shutdown, is
 * announced at once. A user whose connection dropped (closed, too slow, timed out) or whose stream was replaced is
 * announced only if they have not come back within {@link #GRACE}: a browser reconnects by itself within about a
 * second and resumes where it was, and the others need not see a blip.
 */
@ApplicationScoped
public class LobbyDepartures {

    /** How long a user whose connection dropped may come back before the others are told they left. */
    static final Duration GRACE = Duration.ofSeconds(3);

    @Inject
    Broadcaster broadcaster;

    /** Departures not told yet, by key. */
    private final Map<ConnectionKey, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "lobby-departures");
        thread.setDaemon(true);
        return thread;
    });

    private record Pending(Left left, ScheduledFuture<?>[] announcement) {
    }

    void onEvicted(@Observes SfereEvicted evicted) {
        ConnectionKey key = evicted.key();
        if (!Lobby.CATEGORY.equals(key.category())) {
            return;
        }
        Left left = new Left(key.id(), reason(evicted.cause()));
        switch (evicted.cause()) {
            case CLOSED, COLLECTED, SLOW, EXPIRED, REPLACED -> later(key, left);
            default -> announce(key, left);
        }
    }

    /**
     * A user's stream was just opened. A user who was only briefly away (a departure not told yet) is not announced
     * as leaving, and needs no "joined" either; except that a stream replaced by a new one (another tab, say), not
     * by the same browser resuming, is told as before.
     *
     * @param key the user's key
     * @param how how the new stream began
     * @return true if the others never heard the user leave, so they need not hear them join
     */
    public boolean returned(ConnectionKey key, Resumption how) {
        Pending away = pending.remove(key);
        if (away == null) {
            return false;
        }
        cancel(away);
        if ("replaced".equals(away.left().reason()) && how != Resumption.RESUMED) {
            announce(key, away.left());
            return false;
        }
        return true;
    }

    private void later(ConnectionKey key, Left left) {
        Pending away = new Pending(left, new ScheduledFuture<?>[1]);
        Pending before = pending.put(key, away);
        if (before != null) {
            cancel(before);
        }
        away.announcement()[0] = timer.schedule(() -> {
            if (pending.remove(key, away)) {
                announce(key, left);
            }
        }, GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void cancel(Pending away) {
        // Null while later() is still scheduling it: then its task finds the departure gone and tells nobody.
        ScheduledFuture<?> announcement = away.announcement()[0];
        if (announcement != null) {
            announcement.cancel(false);
        }
    }

    private void announce(ConnectionKey key, Left left) {
        // Not to the key itself: when a user's stream is replaced, the new stream is already under that key.
        broadcaster.broadcast(Lobby.everyone(key.scope()), Set.of(key), "left", left);
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }

    /** The contract's {@code reason} for an eviction cause. */
    static String reason(EvictionCause cause) {
        return switch (cause) {
            case EXPLICIT -> "leave";
            // The contract's reasons are fixed: a client too slow to keep up had its stream closed as well.
            case CLOSED, COLLECTED, SLOW -> "closed";
            case EXPIRED -> "expired";
            case REPLACED -> "replaced";
            case SIZE -> "size";
            case SHUTDOWN -> "shutdown";
        };
    }

    /** The data of a {@code left} event. */
    public record Left(String user, String reason) {
    }
}
