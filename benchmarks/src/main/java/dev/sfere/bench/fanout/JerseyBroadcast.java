package dev.sfere.bench.fanout;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.atomic.AtomicInteger;

/** Jersey's own {@link SseBroadcaster} ({@code Sse.newBroadcaster()}), made from the first request's {@link Sse}. */
@ApplicationScoped
public class JerseyBroadcast {

    private final AtomicInteger registered = new AtomicInteger();
    private volatile Sse sse;
    private volatile SseBroadcaster broadcaster;
    /** Set when a harness does not use Jersey's broadcaster: see {@link #off()}. */
    private volatile boolean off;

    /**
     * Registers no more sinks. Jersey's broadcaster keeps a sink until a broadcast to it fails, so one that is never
     * broadcast through keeps every sink ever opened, with its connection and the runtime's buffers: the
     * stalled-client benchmark, which opens thousands of streams that never read, turns it off.
     */
    void off() {
        off = true;
    }

    synchronized void register(Sse from, SseEventSink sink) {
        if (off) {
            return;
        }
        if (broadcaster == null) {
            sse = from;
            broadcaster = from.newBroadcaster();
        }
        broadcaster.register(sink);
        registered.incrementAndGet();
    }

    int registered() {
        return registered.get();
    }

    /** Builds the event the Jersey way and broadcasts it. */
    void broadcast(String name, String data) {
        broadcaster.broadcast(sse.newEvent(name, data));
    }

    void close() {
        SseBroadcaster b = broadcaster;
        if (b != null) {
            b.close();
        }
    }
}
