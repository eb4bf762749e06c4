package dev.sfere.bench;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * A sink that accepts everything and holds nothing but a count of what it was sent, so a benchmark can wait for
 * the library's delivery threads; one instance is shared by every stream of a benchmark.
 */
public final class DummySink implements SseEventSink {

    /** The shared instance. */
    public static final DummySink INSTANCE = new DummySink();

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final LongAdder sent = new LongAdder();

    private DummySink() {
    }

    /**
     * How many events were sent to this sink so far.
     *
     * @return the count
     */
    public long sent() {
        return sent.sum();
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        sent.increment();
        return DONE;
    }

    @Override
    public void close() {
    }
}
