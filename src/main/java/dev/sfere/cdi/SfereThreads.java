package dev.sfere.cdi;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Where the library's periodic work runs: the container's default managed scheduled executor when there is one
 * (Jakarta Concurrency), otherwise a daemon thread of the library's own that stops with the application.
 */
final class SfereThreads {

    private static final Logger LOG = Logger.getLogger(SfereThreads.class.getName());
    private static final String MANAGED = "java:comp/DefaultManagedScheduledExecutorService";

    private final ScheduledExecutorService executor;
    private final boolean owned;

    private SfereThreads(ScheduledExecutorService executor, boolean owned) {
        this.executor = executor;
        this.owned = owned;
    }

    static SfereThreads start() {
        ScheduledExecutorService managed = lookupManaged();
        if (managed != null) {
            return new SfereThreads(managed, false);
        }
        return new SfereThreads(Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "sfere-heartbeat");
            thread.setDaemon(true);
            return thread;
        }), true);
    }

    private static ScheduledExecutorService lookupManaged() {
        try {
            Object found = new InitialContext().lookup(MANAGED);
            return found instanceof ScheduledExecutorService s ? s : null;
        } catch (NamingException | RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "Sfere: no managed scheduled executor; using a thread of its own", e);
            return null;
        }
    }

    ScheduledFuture<?> every(long periodNanos, Runnable task) {
        return executor.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops the library's own thread; a managed executor belongs to the container and is left alone. */
    void stop() {
        if (owned) {
            executor.shutdownNow();
        }
    }
}
