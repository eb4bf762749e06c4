package dev.sfere.bench;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A sink that accepts everything and holds nothing; one instance is shared by every connection of a benchmark. */
public final class DummySink implements SseEventSink {

    /** The shared instance. */
    public static final DummySink INSTANCE = new DummySink();

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private DummySink() {
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        return DONE;
    }

    @Override
    public void close() {
    }
}
