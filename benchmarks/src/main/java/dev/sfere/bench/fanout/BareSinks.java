package dev.sfere.bench.fanout;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open SSE sinks in a map by id, and a broadcast that writes them one after another on the calling thread: what an
 * application holds without Sfere, the baseline of the capacity benchmark. A sink whose write fails or that is
 * closed is dropped at the next broadcast.
 */
@ApplicationScoped
public class BareSinks {

    private final Map<String, SseEventSink> sinks = new ConcurrentHashMap<>();
    private volatile Sse sse;

    void add(String id, SseEventSink sink, Sse from) {
        sse = from;
        sinks.put(id, sink);
    }

    int size() {
        return sinks.size();
    }

    /** Sends one event to every open sink, each in turn. */
    void broadcast(String name, String data) {
        OutboundSseEvent event = sse.newEvent(name, data);
        for (Iterator<SseEventSink> it = sinks.values().iterator(); it.hasNext(); ) {
            SseEventSink sink = it.next();
            if (sink.isClosed()) {
                it.remove();
                continue;
            }
            sink.send(event).exceptionally(failure -> {
                sink.close();
                return null;
            });
        }
    }
}
