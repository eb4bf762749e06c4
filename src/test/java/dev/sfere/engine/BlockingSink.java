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
 * from {@link #healthy()}, one that accepts every write at once; or, from {@link #stubborn(int)}, one whose blocked
 * write takes several interrupts to end.
 */
final class BlockingSink implements SseEventSink {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);
    final List<OutboundSseEvent> written = new CopyOnWriteArrayList<>();
    final CountDownLatch returned = new CountDownLatch(1);
    volatile int interruptedWhileWriting;
    volatile int interruptsSeen;
    private volatile boolean closed;
    private final int interruptsToEnd;

    BlockingSink() {
        this(1);
    }

    private BlockingSink(int interruptsToEnd) {
        this.interruptsToEnd = interruptsToEnd;
    }

    /**
     * A sink whose blocked write swallows interrupts and blocks again until the {@code interruptsToEnd}-th, as
     * Payara's does: the interrupt ends the flush, then Jersey closes the response on the same thread and that flush
     * blocks anew.
     */
    static BlockingSink stubborn(int interruptsToEnd) {
        if (interruptsToEnd < 1) {
            throw new IllegalArgumentException("interruptsToEnd must be at least 1, was " + interruptsToEnd);
        }
        return new BlockingSink(interruptsToEnd);
    }

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
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interruptsSeen++;
                    if (interruptsSeen >= interruptsToEnd) {
                        interrupted.countDown();
                        return CompletableFuture.failedFuture(new java.io.IOException("write interrupted", e));
                    }
                }
            }
        } finally {
            returned.countDown();
        }
        written.add(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        closed = true;
    }
}
