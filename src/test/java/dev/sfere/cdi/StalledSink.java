package dev.sfere.cdi;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;

/**
 * A client that stopped reading: a write blocks, as a full TCP window makes it, until {@link #release} is counted
 * down or the writing thread is interrupted.
 */
final class StalledSink implements SseEventSink {

    /** Counted down by each write as it begins. */
    final CountDownLatch entered;
    /** Lets the blocked writes return. */
    final CountDownLatch release = new CountDownLatch(1);

    StalledSink(CountDownLatch entered) {
        this.entered = entered;
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
    }
}
