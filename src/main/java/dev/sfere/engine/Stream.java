package dev.sfere.engine;

import dev.sfere.EvictionCause;
import dev.sfere.spi.Connection;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One registered SSE stream: the sink, a bounded queue of events on their way to it, and the knowledge of whether
 * it has been given up.
 *
 * <p><b>Delivery.</b> {@link #send} puts the events at the end of the stream's queue and returns; a task on the
 * connection's executor writes queued events in order, one stream per task, so a client that reads slowly holds up
 * only its own queue and never the sender. When more events would wait than the queue's capacity, the connection is
 * given up with cause {@link EvictionCause#SLOW} and its queue dropped, so a client that stopped reading cannot make
 * the application hold memory without limit. With {@code Runnable::run} as the executor, the events are written on
 * the sending thread (by whichever sender found the queue idle).
 *
 * <p><b>Failures.</b> Runtimes report a client that went away in three ways: {@code send} throws, {@code send}
 * returns a stage that fails (or, in older Jersey, completes with the exception as its value), or the sink reports
 * {@link SseEventSink#isClosed()} afterwards. A connection watches for all three and gives itself up, once, with
 * cause {@link EvictionCause#CLOSED}.
 *
 * <p><b>Opening.</b> While the resource method that opened the stream still runs ({@link #opening()} until
 * {@link #opened()}), that request thread writes its own events at once, and events sent from other threads wait in
 * the queue: runtimes cannot mix the request thread's blocking writes with other threads' writes (Open Liberty fails
 * the request's own write), and the stream's own first events come first that way.
 *
 * <p>Stores compare connections by identity. Thread-safe: the events of one {@link #send} call are queued together,
 * so they arrive together and in order. The give-up handler is called at most once, never while a lock of the
 * connection is held, on the thread that noticed: the sender's for {@code SLOW}, the writing thread's or the
 * runtime's I/O thread's for {@code CLOSED}.
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
     * Guarded by {@code this}: a thread is handing an event to the sink (a delivery task, or the request thread while
     * the stream opens), and closes the stream itself if {@link #close()} comes meanwhile.
     */
    private boolean inWrite;
    /** Guarded by {@code this}: {@link #close()} came during a write; the writing thread closes the stream. */
    private boolean closeRequested;
    /** Guarded by {@code this}: the request thread that opened the stream, while its resource method runs. */
    private Thread opener;
    /** The delivery write in progress, as the {@link WriteWatch} sees it. */
    private final InFlight inFlight = new InFlight();

    /**
     * Wraps a sink whose events are written on an executor, through a queue of bounded size.
     *
     * @param sink     the runtime's sink
     * @param executor where queued events are written; {@code Runnable::run} writes on the sending thread
     * @param capacity how many events may wait; a send that would exceed it gives the connection up as
     *                 {@link EvictionCause#SLOW}
     * @param onGiveUp called once, with this connection and {@link EvictionCause#CLOSED} or
     *                 {@link EvictionCause#SLOW}, when the stream can no longer be written to; the library's handler
     *                 purges it from the store with that cause
     * @return the connection
     * @throws IllegalArgumentException if the capacity is below 1
     */
    static Stream of(SseEventSink sink, Executor executor, int capacity, BiConsumer<Stream, EvictionCause> onGiveUp) {
        return new Stream(sink, executor, capacity, onGiveUp);
    }

    private Stream(SseEventSink sink, Executor executor, int capacity, BiConsumer<Stream, EvictionCause> onGiveUp) {
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
     * Queues events for the stream, to be written in order after every event queued before them.
     *
     * @param events the events
     * @return true if the events were accepted; false if the connection has been given up or closed (before, or now
     *         because its queue is full)
     * @throws NullPointerException     if {@code events} is null
     * @throws IllegalArgumentException if one of the events is null; then none of them is queued or written
     */
    boolean send(OutboundSseEvent... events) {
        // Before anything is queued: a null met half-way would leave the events before it queued, and one of a
        // call's events must never go out without the others.
        Objects.requireNonNull(events, "events");
        for (int i = 0; i < events.length; i++) {
            if (events[i] == null) {
                throw new IllegalArgumentException("events[" + i + "] is null");
            }
        }
        if (done.get()) {
            return false;
        }
        boolean start;
        boolean direct = false;
        synchronized (this) {
            if (opener == Thread.currentThread()) {
                if (done.get()) {
                    // Closed since the check above: nothing may be written any more.
                    return false;
                }
                inWrite = direct = true;
                start = false;
            } else if (!enqueue(events)) {
                start = false;
                events = null;
            } else {
                start = opener == null && !writing;
                writing |= start;
            }
        }
        if (events == null) {
            giveUp(EvictionCause.SLOW, null);
            return false;
        }
        if (start) {
            schedule();
        }
        if (!direct) {
            return !done.get();
        }
        // The opening request's own events are written now, ahead of what other threads queued meanwhile, and
        // outside the lock: only this thread can change the opener.
        boolean written = false;
        try {
            written = writeAll(events);
        } finally {
            boolean close;
            synchronized (this) {
                inWrite = false;
                close = takeCloseRequest();
            }
            if (close) {
                closeSink();
            }
        }
        return written && !done.get();
    }

    /** Called with the lock held: queues the events, or empties the queue and answers false when they do not fit. */
    private boolean enqueue(OutboundSseEvent[] events) {
        if (queue == null) {
            // Small: most streams never have more than an event or two waiting; it grows when they do.
            queue = new ArrayDeque<>(2);
        }
        if (events.length > capacity - queue.size()) {
            queue.clear();
            return false;
        }
        for (OutboundSseEvent event : events) {
            queue.addLast(event);
        }
        return true;
    }

    private boolean writeAll(OutboundSseEvent[] events) {
        for (OutboundSseEvent event : events) {
            if (!write(event)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Marks the stream as still being opened by the current (request) thread: events sent from other threads wait
     * until {@link #opened()}.
     */
    synchronized void opening() {
        opener = Thread.currentThread();
    }

    /**
     * Marks the stream as open: events that other threads sent while it was opening are written now, in the order
     * they were sent. Called by the library when the resource method that opened the stream returns.
     */
    void opened() {
        boolean start;
        synchronized (this) {
            opener = null;
            start = !writing && queue != null && !queue.isEmpty();
            writing |= start;
        }
        lastWriteNanos = System.nanoTime();
        if (start) {
            schedule();
        }
    }

    private void schedule() {
        try {
            executor.execute(this::drain);
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

    /**
     * Writes queued events, one at a time and never holding the lock while writing, until none is left or the
     * connection is done (a failed write gives it up, so the next turn drops the rest).
     */
    private void drain() {
        WriteWatch.Slot slot = WriteWatch.current();
        if (slot != null) {
            slot.stream = this;
        }
        boolean close;
        while (true) {
            OutboundSseEvent event;
            boolean recovered;
            synchronized (this) {
                inWrite = false;
                recovered = slot != null && inFlight.end();
                event = done.get() || queue == null ? null : queue.pollFirst();
                if (event == null) {
                    writing = false;
                    if (done.get() && queue != null) {
                        queue.clear();
                    }
                    close = takeCloseRequest();
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
            write(event);
        }
        if (slot != null) {
            slot.stream = null;
        }
        if (close) {
            closeSink();
        }
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

    /** Called with the lock held: whether a close waited for the write in progress, which is now over. */
    private boolean takeCloseRequest() {
        boolean requested = closeRequested;
        closeRequested = false;
        return requested;
    }

    private boolean write(OutboundSseEvent event) {
        CompletionStage<?> stage;
        try {
            stage = sink.send(event);
        } catch (RuntimeException e) {
            giveUp(EvictionCause.CLOSED, e);
            return false;
        }
        if (sink.isClosed()) {
            giveUp(EvictionCause.CLOSED, null);
            return false;
        }
        if (stage != null) {
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    giveUp(EvictionCause.CLOSED, error);
                } else if (value instanceof Throwable thrown) {
                    giveUp(EvictionCause.CLOSED, thrown);
                }
            });
        }
        lastWriteNanos = System.nanoTime();
        return !done.get();
    }

    /**
     * When a write was last handed to the runtime, or the connection was created or opened, in
     * {@link System#nanoTime()}.
     *
     * @return the time
     */
    long lastWriteNanos() {
        return lastWriteNanos;
    }

    /**
     * Tells whether the connection has been given up (a write failed, or its queue overflowed) or closed.
     *
     * @return true once nothing more will be written to the stream
     */
    boolean hasFailed() {
        return done.get();
    }

    /**
     * How many events wait in the queue, not counting one being written.
     *
     * @return the count
     */
    synchronized int queued() {
        return queue == null ? 0 : queue.size();
    }

    /**
     * Closes the stream and drops the events still waiting, never waiting for a write: a thread writing to the
     * stream (a delivery task, or the request thread while the stream opens) closes it once its write returns, since
     * runtimes make a close wait for a blocked write. A delivery task still waiting for a thread then writes nothing.
     * A failure to close is swallowed. Does not call the give-up handler.
     */
    void close() {
        done.set(true);
        synchronized (this) {
            if (queue != null) {
                queue.clear();
            }
            if (inWrite) {
                // A write is in progress, perhaps blocked on a client that stopped reading, and runtimes make a
                // close wait for it: the writing thread closes the stream when its write returns, rather than
                // a second thread waiting as long.
                closeRequested = true;
                return;
            }
        }
        closeSink();
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

    @Override
    public String toString() {
        return "Stream@" + Integer.toHexString(System.identityHashCode(this)) + (done.get() ? "[done]" : "");
    }
}
