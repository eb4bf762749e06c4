package dev.sfere.spi;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One registered SSE stream: the sink, the order of writes to it, and the knowledge of whether it has failed.
 *
 * <p>Runtimes report a client that went away in three ways: {@code send} throws, {@code send} returns a stage that
 * fails (or, in older Jersey, completes with the exception as its value), or the sink reports
 * {@link SseEventSink#isClosed()} afterwards. A connection watches for all three and calls its failure handler
 * once, on the first one; the library's handler purges it from the store with cause {@code CLOSED}.
 *
 * <p>While the resource method that opened the stream still runs ({@link #opening()} until {@link #opened()}),
 * events sent from other threads wait and are written in order when it returns: runtimes cannot mix the request
 * thread's blocking writes with other threads' writes, and the stream's own first events come first that way.
 *
 * <p>Stores compare connections by identity. Thread-safe: writes from concurrent callers are serialized, so the
 * events of one {@link #send} call arrive together and in order. The failure handler runs on the thread that saw
 * the failure, which may be the runtime's I/O thread.
 */
public final class Connection {

    private static final Logger LOG = Logger.getLogger(Connection.class.getName());

    private final SseEventSink sink;
    private final Consumer<Connection> onFailure;
    private final AtomicBoolean failed = new AtomicBoolean();
    private volatile long lastWriteNanos;
    /** Set by a failure seen while this thread holds the write lock; the handler then runs after the lock. */
    private boolean failureToReport;
    /**
     * Guarded by {@code this}: the request thread that opened the stream, while its resource method still runs.
     * Runtimes write in blocking mode from the request thread and cannot mix that with writes from other threads
     * (Open Liberty fails the request's own write), so until {@link #opened()} other threads' events wait here.
     */
    private Thread opener;
    private final ArrayDeque<OutboundSseEvent[]> held = new ArrayDeque<>();
    private int heldEvents;
    /** The most events held for a stream whose resource method has not returned; beyond it the stream is given up. */
    static final int MAX_HELD_EVENTS = 10_000;

    private Connection(SseEventSink sink, Consumer<Connection> onFailure) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        this.lastWriteNanos = System.nanoTime();
    }

    /**
     * Wraps a sink.
     *
     * @param sink      the runtime's sink
     * @param onFailure called once, with this connection, when a write to the sink fails
     * @return the connection
     */
    public static Connection of(SseEventSink sink, Consumer<Connection> onFailure) {
        return new Connection(sink, onFailure);
    }

    /**
     * The runtime's sink.
     *
     * @return the sink
     */
    public SseEventSink sink() {
        return sink;
    }

    /**
     * Writes events to the stream, in order, stopping at the first failure.
     *
     * @param events the events
     * @return true if every event was handed to the runtime; false if the stream has failed (now or before)
     */
    public boolean send(OutboundSseEvent... events) {
        if (failed.get()) {
            return false;
        }
        boolean written = true;
        boolean report;
        synchronized (this) {
            if (opener != null && opener != Thread.currentThread()) {
                written = hold(events);
            } else {
                for (OutboundSseEvent event : events) {
                    if (!write(event)) {
                        written = false;
                        break;
                    }
                }
            }
            report = failureToReport;
            failureToReport = false;
        }
        if (report) {
            // Outside the lock: the handler fires events whose observers may write to other connections.
            onFailure.accept(this);
        }
        if (written) {
            lastWriteNanos = System.nanoTime();
        }
        return written;
    }

    /**
     * Marks the stream as still being opened by the current (request) thread: events sent from other threads wait
     * until {@link #opened()}.
     */
    public synchronized void opening() {
        opener = Thread.currentThread();
    }

    /**
     * Marks the stream as open: events held while it was opening are written now, in the order they were sent, on
     * the calling thread. Called by the library when the resource method that opened the stream returns.
     */
    public void opened() {
        boolean report;
        synchronized (this) {
            opener = null;
            while (!held.isEmpty() && !failed.get()) {
                OutboundSseEvent[] events = held.pollFirst();
                for (OutboundSseEvent event : events) {
                    if (!write(event)) {
                        break;
                    }
                }
            }
            held.clear();
            heldEvents = 0;
            report = failureToReport;
            failureToReport = false;
            lastWriteNanos = System.nanoTime();
        }
        if (report) {
            onFailure.accept(this);
        }
    }

    /** Called with the lock held. */
    private boolean hold(OutboundSseEvent[] events) {
        if (heldEvents + events.length > MAX_HELD_EVENTS) {
            LOG.warning(() -> "Sfere: more than " + MAX_HELD_EVENTS + " events waited for a stream whose resource "
                    + "method has not returned; giving the stream up");
            held.clear();
            fail(null);
            return false;
        }
        held.addLast(events.clone());
        heldEvents += events.length;
        return true;
    }

    private boolean write(OutboundSseEvent event) {
        CompletionStage<?> stage;
        try {
            stage = sink.send(event);
        } catch (RuntimeException e) {
            fail(e);
            return false;
        }
        if (sink.isClosed()) {
            fail(null);
            return false;
        }
        if (stage != null) {
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    fail(error);
                } else if (value instanceof Throwable thrown) {
                    fail(thrown);
                }
            });
        }
        return !failed.get();
    }

    /**
     * When the last write was handed to the runtime, or the connection was created, in {@link System#nanoTime()}.
     *
     * @return the time
     */
    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /**
     * Tells whether a write to this stream has failed.
     *
     * @return true after the first failure
     */
    public boolean hasFailed() {
        return failed.get();
    }

    /**
     * Closes the stream. Closing twice does nothing; a failure to close is swallowed, since the stream is unusable
     * either way.
     */
    public void close() {
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Sfere: closing a stream failed", e);
        }
    }

    private void fail(Throwable cause) {
        if (failed.compareAndSet(false, true)) {
            LOG.log(Level.FINE, "Sfere: a write failed; the client is taken as gone", cause);
            if (Thread.holdsLock(this)) {
                failureToReport = true;
            } else {
                onFailure.accept(this);
            }
        }
    }

    @Override
    public String toString() {
        return "Connection@" + Integer.toHexString(System.identityHashCode(this)) + (failed.get() ? "[failed]" : "");
    }
}
