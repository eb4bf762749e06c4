package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The order of delivery, and what a reconnecting client is owed. One lock is held while events are stamped with
 * their sequence numbers, kept in the {@link History} and queued on every stream they select; so the ids one stream
 * receives strictly increase, two streams never receive two events in different orders, and a resuming stream's
 * replay meets the live events with nothing missed or repeated at the seam.
 *
 * <p>Broadcasts from many threads therefore queue their events one after another (queuing is cheap; the writes
 * happen later, on the delivery threads). What the lock's holder sets off that could deliver again (a stream given
 * up, a removal and its observers) is deferred until the lock is released, so that no delivery starts inside
 * another.
 *
 * <p>It also remembers, for as long as a client may resume, the ids of the {@code sfere-close} events that ended
 * streams ({@link Ends}), so that a client reconnecting with one is told its stream ended for good.
 */
final class Sequencer {

    private static final Logger LOG = Logger.getLogger(Sequencer.class.getName());
    /** The selection of a message of the log without events. */
    private static final History.Selection NOTHING = new History.Selection(KeyPattern.all(), null, null);

    private final DeliveryLock lock = new DeliveryLock();
    private final History history;
    private final LongSupplier clock;
    private final long retryMillis;
    private final Ends ends;
    private final AtomicBoolean ownIdWarned = new AtomicBoolean();
    private final Telemetry telemetry;
    /**
     * Guarded by {@link #lock}: streams that must not be given the log's messages up to a position ({@code {log
     * sequence, index of the last event received}}): a stream resumed from an id another instance gave, before this
     * one consumed that far, and a new stream, which is owed nothing the log held before it opened.
     */
    private final Map<Stream, long[]> logFrom = new HashMap<>();
    /** Guarded by {@link #lock}: new or reset streams whose resource method still runs. */
    private final Openings opening = new Openings();
    /** Guarded by {@link #lock}: the last log sequence known to exist, as consumed messages tell. */
    private long logKnown;

    /**
     * @param settings the engine's settings
     * @param clock    the time in nanoseconds ({@link System#nanoTime()}, or a test's)
     * @param telemetry told how many events each delivery queued
     */
    Sequencer(EngineSettings settings, LongSupplier clock, Telemetry telemetry) {
        this.clock = clock;
        this.telemetry = telemetry;
        long window = settings.resumeWindow().toNanos();
        this.history = new History(EventIds.fresh(), window, settings.historyBytes(), clock.getAsLong());
        // Ends are remembered for the window, or, with resuming off, for the default window: a leave still sticks.
        this.ends = new Ends(window > 0 ? window : EngineSettings.DEFAULT_RESUME_WINDOW.toNanos());
        this.retryMillis = settings.retry().isZero() ? -1 : settings.retry().toMillis();
    }

    /**
     * Stamps events, keeps them, and queues them on this instance's streams that the selection picks.
     *
     * @return how many streams accepted them
     */
    int deliver(ConnectionStore store, History.Selection selection, OutboundSseEvent[] events) {
        warnOfOwnIds(events);
        int[] reached = new int[1];
        lock();
        try {
            Stamped[] stamped = history.append(selection, events, clock.getAsLong());
            store.forEach(selection.pattern(), (key, connection) -> {
                if (selection.selects(key) && connection instanceof Stream stream && stream.send(stamped)) {
                    reached[0]++;
                }
            });
        } finally {
            unlock();
        }
        telemetry.queued((long) reached[0] * events.length);
        return reached[0];
    }

    /**
     * Sets how a stream that was just stored begins: for a client that presented the id of the last event it
     * received, every event for the key after it, or {@code sfere-reset} when that cannot be told in full. Its first
     * event carries the reconnection delay.
     *
     * @param lastEventId the id the client presented, or null
     * @return how it began
     */
    Resumption begin(Stream stream, ConnectionKey key, String lastEventId) {
        lock();
        try {
            if (lastEventId == null) {
                stream.begin(Resumption.NEW, null, null, retryMillis);
                opening.put(stream, null);
                skipLoggedSoFar(stream);
                return Resumption.NEW;
            }
            EventIds.Parsed parsed = history.parse(lastEventId);
            if (parsed.problem() == EventIds.Parsed.AHEAD && history.windowNanos() > 0
                    && parsed.logSequence() <= logKnown) {
                // Another instance gave the client an id this one has not consumed yet: nothing to replay, and the
                // log's messages up to it are skipped when they come.
                stream.begin(Resumption.RESUMED, null, List.of(), retryMillis);
                logFrom.put(stream, new long[] {parsed.logSequence(), parsed.index()});
                return Resumption.RESUMED;
            }
            History.Replay replay = parsed.problem() != null
                    ? new History.Replay(List.of(), history.windowNanos() == 0 ? "disabled"
                            : parsed.problem() == EventIds.Parsed.AHEAD ? "unknown" : parsed.problem())
                    : history.after(parsed.sequence(), key, clock.getAsLong());
            if (replay.resetReason() == null) {
                stream.begin(Resumption.RESUMED, null, replay.events(), retryMillis);
                return Resumption.RESUMED;
            }
            skipLoggedSoFar(stream);
            // The reset is the stream's new starting point, with an id of its own taken now: what was queued for
            // the stream before it (stamped earlier, so with lower ids) is dropped, as the client reloads its state
            // from here; every later event follows it with a higher id.
            String id = history.mark(clock.getAsLong());
            Stamped reset = LibraryEvent.reset(id, replay.resetReason());
            stream.begin(Resumption.RESET, reset, List.of(), retryMillis);
            opening.put(stream, reset);
            return Resumption.RESET;
        } finally {
            unlock();
        }
    }

    /**
     * Starts consuming a log (see {@link Engine}). The first log: the streams open now are owed nothing it held
     * before. Another epoch than the last (the log was made again, its messages lost): every resume from before is
     * reset, and so is every open stream, with {@code sfere-reset}, since it may have missed events.
     *
     * @param epoch the log's epoch
     * @param last  its last sequence now
     */
    void logOpened(ConnectionStore store, String epoch, long last) {
        lock();
        try {
            boolean first = history.log() == null;
            if (!history.useLog(epoch)) {
                logKnown = Math.max(logKnown, last);
                return;
            }
            logKnown = last;
            logFrom.clear();
            if (first) {
                store.forEach(KeyPattern.all(), (key, connection) -> {
                    if (connection instanceof Stream stream) {
                        logFrom.put(stream, new long[] {last, Integer.MAX_VALUE});
                    }
                });
            } else {
                history.dropAll();
                resetAll(store, "lost");
            }
        } finally {
            unlock();
        }
    }

    /**
     * Stamps the events of a message of the log with the log's ids, keeps them, and queues them on this instance's
     * streams that the selection picks, unless a stream was owed nothing up to it. A message already consumed (a
     * redelivery) is ignored. One after a gap (messages the log no longer holds) first resets every resume from
     * before and every open stream, with {@code sfere-reset}: never a silent gap.
     *
     * @param epoch    the log's epoch; a message of another is ignored
     * @param sequence its sequence in the log
     * @param last     the last sequence the log holds, as far as the message tells
     * @param ageNanos how long ago the log stored it
     * @param events   the events; none for a message this instance delivered itself already
     * @return how many streams accepted them
     */
    int deliverLogged(ConnectionStore store, String epoch, long sequence, long last, long ageNanos,
                      History.Selection selection, OutboundSseEvent[] events) {
        int[] reached = new int[1];
        long[] queued = new long[1];
        lock();
        try {
            LogPositions log = history.log();
            if (!fresh(epoch, sequence)) {
                return 0;
            }
            logKnown = Math.max(logKnown, Math.max(sequence, last));
            if (log.next() != 0 && sequence > log.next()) {
                LOG.warning(() -> "Sfere: the cluster's log no longer holds messages " + log.next() + " to "
                        + (sequence - 1) + "; this instance's streams are reset (sfere-reset), as they missed them");
                history.dropAll();
                resetAll(store, "lost");
            }
            long now = clock.getAsLong();
            Stamped[] stamped = history.appendLogged(sequence, selection, events, now - Math.max(0, ageNanos), now);
            if (stamped.length > 0) {
                store.forEach(selection.pattern(), (key, connection) -> {
                    if (selection.selects(key) && connection instanceof Stream stream) {
                        OutboundSseEvent[] owed = owed(stream, sequence, stamped);
                        if (owed.length > 0 && stream.send(owed)) {
                            reached[0]++;
                            queued[0] += owed.length;
                        }
                    }
                });
            }
            if (!logFrom.isEmpty()) {
                logFrom.values().removeIf(from -> from[0] <= sequence);
            }
        } finally {
            unlock();
        }
        telemetry.queued(queued[0]);
        return reached[0];
    }

    /**
     * Takes the place of a notice in the log, as of a message without events.
     *
     * @return false if it was consumed already (a redelivery) or is of another epoch: it must be ignored
     */
    boolean noticed(ConnectionStore store, String epoch, long sequence, long last, long ageNanos) {
        lock();
        try {
            if (!fresh(epoch, sequence)) {
                return false;
            }
            deliverLogged(store, epoch, sequence, last, ageNanos, NOTHING, new OutboundSseEvent[0]);
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Another instance dropped events it held for this one: every open stream may have missed some, so it is reset
     * ({@code sfere-reset}, reason {@code lost}), and so is every resume from before.
     */
    void lost(ConnectionStore store) {
        lock();
        try {
            LOG.warning("Sfere: another instance dropped events it held for this one while the cluster's log could "
                    + "not be reached; this instance's streams are reset (sfere-reset), as they missed them");
            history.dropAll();
            resetAll(store, "lost");
        } finally {
            unlock();
        }
    }

    /** With the lock held: whether a message of the log is of the log consumed and not consumed already. */
    private boolean fresh(String epoch, long sequence) {
        LogPositions log = history.log();
        return log != null && log.epoch().equals(epoch) && (log.next() == 0 || sequence >= log.next());
    }

    /**
     * How many of this instance's streams a selection picks now, for a broadcast handed to the log (whose events
     * reach them once consumed).
     */
    int count(ConnectionStore store, History.Selection selection, OutboundSseEvent[] events) {
        warnOfOwnIds(events);
        int[] picked = new int[1];
        store.forEach(selection.pattern(), (key, connection) -> {
            if (selection.selects(key) && connection instanceof Stream stream && !stream.hasFailed()) {
                picked[0]++;
            }
        });
        return picked[0];
    }

    /** With the lock held: the events of a log message a stream is owed; for most, all of them. */
    private OutboundSseEvent[] owed(Stream stream, long sequence, Stamped[] stamped) {
        long[] from = logFrom.isEmpty() ? null : logFrom.get(stream);
        if (from == null || sequence > from[0]) {
            return stamped;
        }
        if (sequence < from[0] || from[1] + 1 >= stamped.length) {
            return new OutboundSseEvent[0];
        }
        return Arrays.copyOfRange(stamped, (int) from[1] + 1, stamped.length);
    }

    /** With the lock held: a new or reset stream is owed nothing the log held before it opened. */
    private void skipLoggedSoFar(Stream stream) {
        LogPositions log = history.log();
        if (log != null && logKnown > log.latest()) {
            logFrom.put(stream, new long[] {logKnown, Integer.MAX_VALUE});
        }
    }

    /** With the lock held: tells every open stream that it may have missed events ({@code sfere-reset}). */
    private void resetAll(ConnectionStore store, String reason) {
        store.forEach(KeyPattern.all(), (key, connection) -> {
            if (connection instanceof Stream stream) {
                stream.send(LibraryEvent.reset(null, reason));
            }
        });
    }

    /** A snapshot for an opening stream (see {@link Openings#snapshot}); false if there is none here. */
    boolean snapshot(ConnectionStore store, ConnectionKey key, OutboundSseEvent[] events) {
        warnOfOwnIds(events);
        lock();
        try {
            Stamped[] stamped = opening.snapshot(store.get(key).orElse(null), key, events, history,
                    clock.getAsLong(), retryMillis);
            telemetry.queued(stamped == null ? 0 : stamped.length);
            return stamped != null;
        } finally {
            unlock();
        }
    }

    /** The resource method that opened a stream returned (or failed): no snapshot replaces its queue any more. */
    void opened(Stream stream) {
        lock();
        try {
            opening.remove(stream);
        } finally {
            unlock();
        }
    }

    /**
     * Whether an id is that of the {@code sfere-close} event that ended the key's last stream, here or on another
     * instance, so that its client must not be registered again. An id another instance may have written (of
     * another own epoch, as {@code sfere-close} ids are) and not known yet is waited for up to a bound: a client can
     * reconnect before this instance has consumed the end from the log.
     */
    boolean ended(ConnectionKey key, String lastEventId, long waitNanos) {
        int dash = lastEventId.indexOf('-');
        boolean elsewhere = dash == history.ids().epoch().length() && lastEventId.indexOf('.') < 0
                && !lastEventId.startsWith(history.ids().epoch());
        return ends.ended(key, lastEventId, clock, elsewhere ? waitNanos : 0);
    }

    /** Remembers an end another instance told of through the log. */
    void endedElsewhere(ConnectionKey key, String closeId, long ageNanos) {
        ends.remember(closeId, key, clock.getAsLong() - Math.max(0, ageNanos));
    }

    /**
     * Ends a stream the library removed on purpose with its last event, {@code sfere-close}, whose id is
     * remembered.
     *
     * @return the id, or null if the stream was already done
     */
    String end(Stream stream, ConnectionKey key, EvictionCause cause) {
        lock();
        try {
            long now = clock.getAsLong();
            String id = history.mark(now);
            if (!stream.finish(LibraryEvent.close(id, cause))) {
                return null;
            }
            ends.remember(id, key, now);
            return id;
        } finally {
            unlock();
        }
    }

    /**
     * Runs an action now, or, if this thread is delivering, once it is done.
     *
     * @return true if it was deferred
     */
    boolean deferIfDelivering(Runnable action) {
        return lock.deferIfHeld(action);
    }

    /** The history's size and bytes, for tests and the benchmark. */
    History history() {
        return history;
    }

    private void lock() {
        lock.lock();
    }

    private void unlock() {
        lock.unlock();
    }

    private void warnOfOwnIds(OutboundSseEvent[] events) {
        Stamped.warnOfOwnIds(events, ownIdWarned);
    }
}
