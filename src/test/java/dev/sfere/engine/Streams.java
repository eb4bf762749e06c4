package dev.sfere.engine;

import dev.sfere.spi.Connection;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.function.Consumer;

/** For tests in other packages: what the engine's streams do, reached from a {@link Connection}. */
public final class Streams {

    private Streams() {
    }

    /** A stream written on the sending thread, with no bound; {@code onFailure} when a write fails. */
    public static Connection of(SseEventSink sink, Consumer<Connection> onFailure) {
        return new Stream(sink, Runnable::run, Integer.MAX_VALUE, (stream, cause) -> onFailure.accept(stream));
    }

    public static boolean send(Connection connection, OutboundSseEvent... events) {
        return ((Stream) connection).send(events);
    }

    public static void opened(Connection connection) {
        ((Stream) connection).opened();
    }

    public static boolean hasFailed(Connection connection) {
        return ((Stream) connection).hasFailed();
    }

    public static int queued(Connection connection) {
        return ((Stream) connection).queued();
    }

    public static void close(Connection connection) {
        ((Stream) connection).close();
    }

    /** Runs one heartbeat round now. */
    public static void heartbeat(Engine engine) {
        engine.heartbeat();
    }
}
