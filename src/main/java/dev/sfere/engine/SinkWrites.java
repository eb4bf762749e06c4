package dev.sfere.engine;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletionStage;
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
        }
        return true;
    }
}
