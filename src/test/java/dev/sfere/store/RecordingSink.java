package dev.sfere.store;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A sink that accepts every write and remembers what it was sent and whether it was closed. Thread-safe. */
final class RecordingSink implements SseEventSink {

    final List<OutboundSseEvent> sent = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        sent.add(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
