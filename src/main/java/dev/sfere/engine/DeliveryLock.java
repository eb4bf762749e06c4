package dev.sfere.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one lock under which deliveries are stamped and queued, and what its holder set off that must wait until it
 * lets go: a stream given up, a removal and its observers, any of which may deliver again. Reentrant; the deferred
 * actions run, in order, when the outermost hold is released.
 */
final class DeliveryLock {

    private static final Logger LOG = Logger.getLogger(DeliveryLock.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: what to run once it is released. */
    private final List<Runnable> deferred = new ArrayList<>();

    void lock() {
        lock.lock();
    }

    /** Releases the lock; the outermost release runs what was deferred, each failure logged and passed over. */
    void unlock() {
        List<Runnable> later = null;
        if (lock.getHoldCount() == 1 && !deferred.isEmpty()) {
            later = new ArrayList<>(deferred);
            deferred.clear();
        }
        lock.unlock();
        if (later != null) {
            for (Runnable action : later) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "Sfere: an action deferred until a delivery was done failed", e);
                }
            }
        }
    }

    /**
     * Defers an action until this thread lets go of the lock, if it holds it.
     *
     * @return true if it was deferred; false if this thread does not hold the lock (the caller runs it now)
     */
    boolean deferIfHeld(Runnable action) {
        if (!lock.isHeldByCurrentThread()) {
            return false;
        }
        deferred.add(action);
        return true;
    }
}
