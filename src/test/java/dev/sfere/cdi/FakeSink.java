package dev.sfere.cdi;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink that fails in one of the ways runtimes report a client that went away, or not at all. */
final class FakeSink implements SseEventSink {

    /** How the sink behaves on send. */
    enum Mode {
        /** Accepts every write. */
        HEALTHY,
        /** {@code send} throws, as Jersey does once it knows the stream is closed. */
        THROWS,
        /** {@code send} returns a failed stage, as Open Liberty and Payara do. */
        FAILED_STAGE,
        /** {@code send} completes the stage with the exception as its value, as older Jersey did. */
        EXCEPTION_AS_VALUE,
        /** {@code send} returns normally but the sink reports closed afterwards. */
        CLOSED_AFTER_SEND
    }

    private final Mode mode;
    final List<OutboundSseEvent> sent = new CopyOnWriteArrayList<>();
    /** The names of the threads that wrote each accepted event. */
    final List<String> writers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    FakeSink(Mode mode) {
        this.mode = mode;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        switch (mode) {
            case THROWS:
                throw new IllegalStateException("the stream is closed");
            case FAILED_STAGE:
                return CompletableFuture.failedFuture(new IOException("Broken pipe"));
            case EXCEPTION_AS_VALUE:
                return CompletableFuture.completedFuture(new IOException("Broken pipe"));
            case CLOSED_AFTER_SEND:
                closed = true;
                return CompletableFuture.completedFuture(null);
            default:
                sent.add(event);
                writers.add(Thread.currentThread().getName());
                return CompletableFuture.completedFuture(null);
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
