package dev.sfere.engine;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A sink whose writes block until released or interrupted, as a runtime's do on a client that stopped reading; or,
 * from {@link #healthy()}, one that accepts every write at once.
 */
final class BlockingSink implements SseEventSink {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);
    final List<OutboundSseEvent> written = new CopyOnWriteArrayList<>();
    volatile int interruptedWhileWriting;
    private volatile boolean closed;

    /** A sink that accepts every write. */
    static BlockingSink healthy() {
        BlockingSink sink = new BlockingSink();
        sink.release.countDown();
        return sink;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        if (Thread.currentThread().isInterrupted()) {
            interruptedWhileWriting++;
        }
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            interrupted.countDown();
            return CompletableFuture.failedFuture(new java.io.IOException("write interrupted", e));
        }
        written.add(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        closed = true;
    }
}
