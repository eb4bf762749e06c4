package dev.sfere.engine;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Hands one event to a runtime's sink and notices a client that went away. Runtimes report that in three ways:
 * {@code send} throws, {@code send} returns a stage that fails (or, in older Jersey, completes with the exception as
 * its value), or the sink reports {@link SseEventSink#isClosed()} afterwards.
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
        return write(sink, event, failed, false);
    }

    /**
     * Writes the event, and with {@code awaitWritten} waits until the runtime has written it. A runtime whose sink
     * writes asynchronously (Quarkus REST, on Vert.x) returns at once and queues the bytes in memory without bound,
     * so a client that stopped reading would never block a delivery thread: the {@link WriteWatch} would never see a
     * stalled write, nor give the stream up {@code SLOW}. Waiting makes such a write look like a blocking one, which
     * the watch ends at the write deadline by interrupting the wait. Runtimes that write before {@code send} returns
     * (Open Liberty, Payara, Jersey) hand back a stage that is already complete, so nothing waits there.
     *
     * @param sink         the sink
     * @param event        the event
     * @param failed       told of a failure, with its exception or null; perhaps later, on the runtime's thread
     * @param awaitWritten whether to wait for the runtime's stage: only on a watched delivery thread, never on the
     *                     runtime's own threads, which may be the ones that finish the write
     * @return false if the write failed, or the wait for it was interrupted
     */
    static boolean write(SseEventSink sink, OutboundSseEvent event, Consumer<Throwable> failed,
                         boolean awaitWritten) {
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
        if (stage != null) {
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    failed.accept(error);
                } else if (value instanceof Throwable thrown) {
                    failed.accept(thrown);
                }
            });
            if (awaitWritten) {
                return awaitWritten(stage, failed);
            }
        }
        return true;
    }

    private static boolean awaitWritten(CompletionStage<?> stage, Consumer<Throwable> failed) {
        CompletableFuture<?> future;
        try {
            future = stage.toCompletableFuture();
        } catch (UnsupportedOperationException e) {
            // A stage that cannot be waited for: the write stays fire-and-forget.
            return true;
        }
        if (future.isDone()) {
            return !future.isCompletedExceptionally();
        }
        try {
            future.get();
            return true;
        } catch (ExecutionException e) {
            // Reported through the stage's own callback.
            return false;
        } catch (InterruptedException e) {
            // The watch gave the stream up at the write deadline.
            failed.accept(e);
            return false;
        }
    }
}
