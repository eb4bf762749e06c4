package dev.sfere.engine;

import dev.sfere.EvictionCause;
import dev.sfere.Resumption;
import dev.sfere.spi.Connection;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One registered SSE stream: the sink, a bounded queue of events on their way to it, and whether it was given up.
 *
 * <p>{@link #send} queues events and returns; a task on the executor writes them in order, so a client that reads
 * slowly holds up only its own queue. More events than the capacity give the stream up as {@link EvictionCause#SLOW}
 * and drop its queue; a write that fails (see {@link SinkWrites}) gives it up as {@link EvictionCause#CLOSED}. The
 * give-up handler is called at most once, never with the lock held, on the thread that noticed.
 *
 * <p>While the resource method that opened the stream runs ({@link #opening()} until {@link #opened()}), events
 * wait; {@link #begin} sets what comes first (a reset, or the replay of what a resuming client missed).
 * {@link #finish} ends the stream after one last event. Stores compare streams by identity. Thread-safe: the events
 * of one {@link #send} call are queued together.
 */
final class Stream extends Connection {

    private static final Logger LOG = Logger.getLogger(Stream.class.getName());

    private final SseEventSink sink;
    private final Executor executor;
    private final int capacity;
    private final BiConsumer<Stream, EvictionCause> onGiveUp;
    /** Set when the connection is given up or closed: nothing is written to it any more. */
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile long lastWriteNanos;

    /** Guarded by {@code this}; created on first use, as most streams never have an event waiting. */
    private ArrayDeque<OutboundSseEvent> queue;
    /** Guarded by {@code this}: a task that writes the queue is scheduled or running. */
    private boolean writing;
    /**
     * Guarded by {@code this}: a delivery task is handing an event to the sink, and closes the stream itself if
     * {@link #close()} comes meanwhile.
     */
    private boolean inWrite;
    /** Guarded by {@code this}: {@link #close()} came during a write; the writing thread closes the stream. */
    private boolean closeRequested;
    /** Guarded by {@code this}: the resource method that opened the stream still runs; events wait. */
    private boolean opening;
    /** Guarded by {@code this}: {@link #finish} was called; once its last event is written, the stream closes. */
    private boolean ending;
    /** The delivery write in progress, as the {@link WriteWatch} sees it. */
    private final InFlight inFlight = new InFlight();
    /** Guarded by {@code this}: the reconnection delay to put on the next event of the library's, or -1. */
    private long retry = -1;
    /** Guarded by {@code this}: how the stream began. */
    private Resumption resumption = Resumption.NEW;
    /** Told of dropped events and failed heartbeats; set by the engine before the stream is stored. */
    volatile Telemetry telemetry = Telemetry.NONE;
    /** When the drain task now scheduled or running was handed to the executor, in {@code nanoTime}. */
    volatile long scheduledNanos;

    /**
     * Wraps a sink whose events are written on an executor, through a queue of bounded size.
     *
     * @param sink     the runtime's sink
     * @param executor where queued events are written
     * @param capacity how many events may wait; a send that would exceed it gives the connection up as
     *                 {@link EvictionCause#SLOW}
     * @param onGiveUp called once, with this connection and {@link EvictionCause#CLOSED} or
     *                 {@link EvictionCause#SLOW}, when the stream can no longer be written to; the library's handler
     *                 purges it from the store with that cause
     * @throws IllegalArgumentException if the capacity is below 1
     */
    Stream(SseEventSink sink, Executor executor, int capacity, BiConsumer<Stream, EvictionCause> onGiveUp) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.executor = Objects.requireNonNull(executor, "executor");
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.onGiveUp = Objects.requireNonNull(onGiveUp, "onGiveUp");
        this.lastWriteNanos = System.nanoTime();
    }

    /**
     * Queues events, to be written in order after every event queued before them; all of them or none (see
     * {@link SinkWrites#requireEvents}). False if the stream was given up, closed or ending, or now overflows.
     */
    boolean send(OutboundSseEvent... events) {
        SinkWrites.requireEvents(events);
        if (done.get()) {
            return false;
        }
        boolean start = false;
        boolean overflow = false;
        synchronized (this) {
            if (ending) {
                return false;
            }
            if (!enqueue(events)) {
                overflow = true;
            } else {
                start = !opening && !writing;
                writing |= start;
            }
        }
        if (overflow) {
            giveUp(EvictionCause.SLOW, null);
            return false;
        }
        if (start) {
            schedule();
        }
        return !done.get();
    }

    /** With the lock held: queues the events, or empties the queue and answers false when they do not fit. */
    private boolean enqueue(OutboundSseEvent[] events) {
        if (queue == null) {
            // Small: most streams never have more than an event or two waiting; it grows when they do.
            queue = new ArrayDeque<>(2);
        }
        if (events.length > capacity - queue.size()) {
            dropQueue(events.length);
            return false;
        }
        for (OutboundSseEvent event : events) {
            queue.addLast(event);
        }
        return true;
    }

    /** Marks the stream as being opened: events wait, whoever sends them, until {@link #opened()}. */
    synchronized void opening() {
        opening = true;
    }

    /**
     * Sets how the stream begins, while it opens (else false): a reset, then the replay of what the client missed or
     * a snapshot (either holds what was queued since the stream was stored, so it replaces it; the history, not the
     * queue's capacity, bounds it), or with neither what was queued. The first event of the library's carries the
     * reconnection delay ({@code retryMillis}, -1 for none).
     */
    synchronized boolean begin(Resumption how, OutboundSseEvent reset, List<Stamped> replay, long retryMillis) {
        if (!opening) {
            return false;
        }
        resumption = how;
        retry = retryMillis;
        ArrayDeque<OutboundSseEvent> begun = new ArrayDeque<>();
        if (reset != null) {
            begun.add(reset);
        }
        if (replay != null) {
            begun.addAll(replay);
        } else if (queue != null) {
            begun.addAll(queue);
        }
        queue = begun;
        return true;
    }

    /** Marks the stream as open, when its resource method returns: what was queued meanwhile is written now. */
    void opened() {
        boolean start;
        synchronized (this) {
            opening = false;
            start = !writing && queue != null && !queue.isEmpty();
            writing |= start;
        }
        lastWriteNanos = System.nanoTime();
        if (start) {
            schedule();
        }
    }

    /**
     * Ends the stream with a last event, written after any write in progress, then closes it; what waits is dropped
     * and later sends are refused. False if it was already done or ending. Does not call the give-up handler.
     */
    boolean finish(OutboundSseEvent last) {
        boolean start;
        synchronized (this) {
            if (done.get() || ending) {
                return false;
            }
            ending = true;
            dropQueue(0);
            queue = new ArrayDeque<>(List.of(last));
            start = !opening && !writing;
            writing |= start;
        }
        if (start) {
            schedule();
        }
        return true;
    }

    private void schedule() {
        scheduledNanos = System.nanoTime();
        try {
            executor.execute(new Drain(this));
        } catch (RejectedExecutionException e) {
            // The executor is shut down: nobody is left to write this stream.
            boolean close;
            synchronized (this) {
                writing = false;
                close = takeCloseRequest();
            }
            giveUp(EvictionCause.CLOSED, e);
            if (close) {
                closeSink();
            }
        }
    }

    /** With the lock held: empties the queue, telling the telemetry how many events (plus {@code refused}) are lost. */
    private void dropQueue(int refused) {
        int lost = refused + (queue == null ? 0 : queue.size());
        if (queue != null) {
            queue.clear();
        }
        if (lost > 0) {
            telemetry.dropped(lost);
        }
    }

    /**
     * Writes queued events, one at a time and never holding the lock while writing, until none is left or the
     * connection is done (a failed write gives it up, so the next turn drops the rest).
     *
     * @return how many events were handed to the runtime
     */
    int drain() {
        WriteWatch.Slot slot = WriteWatch.current();
        if (slot != null) {
            slot.stream = this;
        }
        boolean close;
        int written = 0;
        while (true) {
            OutboundSseEvent event;
            boolean recovered;
            synchronized (this) {
                inWrite = false;
                recovered = slot != null && inFlight.end();
                event = done.get() || queue == null ? null : withRetry(queue.pollFirst());
                if (event == null) {
                    writing = false;
                    if (done.get()) {
                        dropQueue(0);
                    }
                    // Ending, and its last event written (or the stream given up meanwhile, which no longer reaches
                    // the store, as the stream left it when it was ended): close it now.
                    close = takeCloseRequest() | ending;
                    if (ending) {
                        done.set(true);
                    }
                } else {
                    inWrite = true;
                    close = false;
                    if (slot != null) {
                        inFlight.begin();
                    }
                }
            }
            if (recovered) {
                slot.recovered();
            }
            if (event == null) {
                break;
            }
            boolean ok = write(event, slot != null);
            written += ok ? 1 : 0;
            if (!ok && event == Heartbeats.HEARTBEAT) {
                telemetry.heartbeats(0, 1);
            }
        }
        if (slot != null) {
            slot.stream = null;
        }
        if (close) {
            inFlight.watch(slot, this, this::closeSink);
        }
        return written;
    }

    /**
     * For the {@link WriteWatch}: looks at the delivery write in progress. A write past {@code deadlineNanos} gives
     * the stream up as {@code SLOW} and interrupts its writer, which a runtime's blocked write takes as a failure.
     *
     * @return true if the write was counted as stalled now
     */
    boolean checkWrite(long now, long stallNanos, long deadlineNanos) {
        InFlight.Finding finding = inFlight.look(now, stallNanos, deadlineNanos);
        if (finding.late) {
            // Given up first, so that the write the interrupt ends is the stream's last.
            giveUp(EvictionCause.SLOW, null);
            inFlight.interruptLate();
        }
        return finding.newlyStalled;
    }

    /** With the lock held: the event, with the reconnection delay if it is the first that can carry it. */
    private OutboundSseEvent withRetry(OutboundSseEvent event) {
        long millis = retry;
        if (millis < 0 || !(event instanceof Stamped carrier)) {
            return event;
        }
        retry = -1;
        return carrier.withRetry(millis);
    }

    /** With the lock held: whether a close waited for the write in progress, which is now over. */
    private boolean takeCloseRequest() {
        boolean requested = closeRequested;
        closeRequested = false;
        return requested;
    }

    private boolean write(OutboundSseEvent event, boolean watched) {
        if (!SinkWrites.write(sink, event, error -> giveUp(EvictionCause.CLOSED, error), watched)) {
            return false;
        }
        lastWriteNanos = System.nanoTime();
        return !done.get();
    }

    /** When a write was last handed to the runtime, or the stream was made or opened, in {@code nanoTime}. */
    long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** True once nothing more will be written: given up (a write failed, the queue overflowed) or closed. */
    boolean hasFailed() {
        return done.get();
    }

    /** How many events wait in the queue, not counting one being written. */
    synchronized int queued() {
        return queue == null ? 0 : queue.size();
    }

    /**
     * Closes the stream and drops the events still waiting, never waiting for a write: a delivery task writing to
     * the stream closes it once its write returns, since runtimes make a close wait for a blocked write. A delivery
     * task still waiting for a thread then writes nothing. A failure to close is swallowed. Does not call the give-up
     * handler.
     */
    void close() {
        done.set(true);
        WriteWatch.Slot slot = WriteWatch.current();
        synchronized (this) {
            dropQueue(0);
            if (inWrite) {
                // A write is in progress, perhaps blocked on a client that stopped reading, and runtimes make a
                // close wait for it: the writing thread closes the stream when its write returns, rather than
                // a second thread waiting as long.
                closeRequested = true;
                return;
            }
        }
        // On a delivery thread (a removal's close), watched like a write: a runtime may block in closing a stream
        // whose client stopped reading.
        inFlight.watch(slot != null && slot.stream == null ? slot : null, this, this::closeSink);
    }

    private void closeSink() {
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Sfere: closing a stream failed", e);
        }
    }

    private void giveUp(EvictionCause cause, Throwable error) {
        if (done.compareAndSet(false, true)) {
            LOG.log(Level.FINE, error, () -> "Sfere: giving up a stream (" + cause + ")");
            onGiveUp.accept(this, cause);
        }
    }

    synchronized Resumption resumption() {
        return resumption;
    }

    @Override
    public String toString() {
        return "Stream@" + Integer.toHexString(System.identityHashCode(this)) + (done.get() ? "[done]" : "");
    }
}
