package dev.sfere.engine;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Hands one event to a runtime's sink and notices a client that went away. Runtimes report that in three ways:
 * {@code send} throws, {@code send} returns a stage that fails (or, in older Jersey, completes with the exception as
 * its value), or the sink reports {@link SseEventSink#isClosed()} afterwards.
 *
 * <p>On a delivery thread, a write lasts until its stage completes. Most runtimes' {@code send} blocks while a client
 * does not read, but some only queue the bytes and return: RESTEasy on Undertow (WildFly) queues them in the heap,
 * without bound, until the socket takes them, so every event sent to a client that stopped reading stayed in memory
 * (200 such clients ran WildFly's 512 MB heap out), and no write ever looked stalled to the {@link WriteWatch}.
 * Waiting for the stage keeps at most one event per stream in the runtime's hands, and lets the watch give a stream
 * up {@code SLOW} at the write deadline, interrupting the wait, as it does a blocked write.
 */
final class SinkWrites {

    private SinkWrites() {
    }

    /**
     * Checks events before any is queued: a null met half-way would leave the events before it queued, and one of a
     * call's events must never go out without the others.
     *
     * @throws NullPointerException     if {@code events} is null
     * @throws IllegalArgumentException if one of them is null, naming its position
     */
    static void requireEvents(OutboundSseEvent[] events) {
        java.util.Objects.requireNonNull(events, "events");
        for (int i = 0; i < events.length; i++) {
            if (events[i] == null) {
                throw new IllegalArgumentException("events[" + i + "] is null");
            }
        }
    }

    /**
     * Writes the event.
     *
     * @param sink   the sink
     * @param event  the event
     * @param failed told of a failure, with its exception or null; perhaps later, on the runtime's thread
     * @return false if the write failed at once
     */
    static boolean write(SseEventSink sink, OutboundSseEvent event, Consumer<Throwable> failed) {
        CompletionStage<?> stage;
        try {
            stage = sink.send(event);
        } catch (RuntimeException e) {
            failed.accept(e);
            return false;
        }
        if (sink.isClosed()) {
            failed.accept(null);
            return false;
        }
        if (stage == null) {
            return true;
        }
        if (WriteWatch.current() != null) {
            return awaitWritten(stage, failed);
        }
        stage.whenComplete((value, error) -> {
            if (error != null || value instanceof Throwable) {
                failed.accept(error != null ? error : (Throwable) value);
            }
        });
        return true;
    }

    /** Waits for the stage: false, after telling {@code failed}, if it failed or the wait was interrupted. */
    private static boolean awaitWritten(CompletionStage<?> stage, Consumer<Throwable> failed) {
        Object value;
        try {
            value = outcome(stage);
        } catch (InterruptedException e) {
            // The watch gave the stream up at the deadline; the flag stays set for InFlight.end to clear.
            Thread.currentThread().interrupt();
            failed.accept(e);
            return false;
        }
        if (value instanceof Throwable thrown) {
            failed.accept(thrown);
            return false;
        }
        return true;
    }

    /** The stage's value, or its failure as the value, once it completes. */
    private static Object outcome(CompletionStage<?> stage) throws InterruptedException {
        if (stage instanceof CompletableFuture<?> done && done.isDone()) {
            // Jersey, Open Liberty and Payara write before send returns: nothing to wait for, nothing to allocate.
            try {
                return done.join();
            } catch (CompletionException | CancellationException e) {
                return e.getCause() != null ? e.getCause() : e;
            }
        }
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        stage.whenComplete((value, error) -> outcome.complete(error != null ? error : value));
        try {
            return outcome.get();
        } catch (ExecutionException e) {
            // Never: the outcome completes normally, with the failure as its value.
            return e.getCause();
        }
    }
}
