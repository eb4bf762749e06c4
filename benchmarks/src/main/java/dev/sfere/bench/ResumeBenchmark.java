package dev.sfere.bench;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.engine.Engine;
import dev.sfere.engine.EngineSettings;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Issue 18: what one resume costs against the size of the history. An {@link Engine} over the memory store holds
 * {@code history} events (a resume window of an hour and no byte bound, so none is dropped); each call registers a
 * stream under one key with a {@code Last-Event-ID}, which finds what the key missed and queues it on the stream,
 * then takes the stream out again (cause {@code CLOSED}, so that no {@code sfere-close} is added to the history).
 * The stream is never opened, so nothing is written: what is timed is the engine's part, done under its delivery
 * lock, not the writes that follow on the delivery threads.
 *
 * <p>{@code from}: {@code oldest} resumes from the first event kept (every other event is after it), {@code newest}
 * from the last (nothing is missed), {@code new} registers with no id, for scale. {@code events}: {@code all}
 * broadcasts select the resuming key, so a resume from the oldest replays {@code history - 1} events;
 * {@code others} go to another category, so it replays none but still looks at every entry after its point.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ResumeBenchmark {

    @Param({"1000", "10000", "100000"})
    int history;

    @Param({"oldest", "newest", "new"})
    String from;

    @Param({"all", "others"})
    String events;

    private Engine engine;
    private ConnectionStore store;
    private final ConnectionKey key = ConnectionKey.of("default", "room", "resumer");
    private String lastEventId;

    @Setup(Level.Trial)
    public void fill() throws InterruptedException {
        store = Impl.sfere("sfere-memory", 1_000);
        engine = new Engine(store, new EngineSettings(Duration.ZERO, 1_000, Engine.DEFAULT_MAX_DELIVERY_THREADS,
                10_000, Duration.ofSeconds(5), Duration.ofHours(1), Long.MAX_VALUE, Duration.ofSeconds(1)),
                NoListener.INSTANCE, null);
        engine.start();
        // The first event reaches a stream that notes its id: the ids' epoch, which a client would have seen.
        IdSink first = new IdSink();
        Connection recorder = engine.register(ConnectionKey.of("default", "recorder", "r"), first);
        engine.opened(recorder);
        OutboundSseEvent event = OutboundEvents.text("message", "{\"user\":\"alice\",\"text\":\"hello\"}");
        engine.deliver(KeyPattern.all(), null, null, new OutboundSseEvent[] {event});
        String firstId = first.await();
        store.purge(recorder, EvictionCause.CLOSED);
        KeyPattern pattern = events.equals("all") ? KeyPattern.of(KeyPattern.literal("default"), KeyPattern.literal("room"), KeyPattern.ANY)
                : KeyPattern.of(KeyPattern.literal("default"), KeyPattern.literal("elsewhere"),
                KeyPattern.ANY);
        for (int i = 1; i < history; i++) {
            engine.deliver(pattern, null, null, new OutboundSseEvent[] {event});
        }
        String epoch = firstId.substring(0, firstId.lastIndexOf('-'));
        lastEventId = switch (from) {
            case "oldest" -> firstId;
            case "newest" -> epoch + "-" + history;
            case "new" -> null;
            default -> throw new IllegalArgumentException("from: " + from);
        };
    }

    @TearDown(Level.Trial)
    public void stop() {
        engine.shutdown();
    }

    @Benchmark
    public Connection resume() {
        Connection connection = engine.register(key, DummySink.INSTANCE, lastEventId);
        store.purge(connection, EvictionCause.CLOSED);
        return connection;
    }

    /** Notes the id of the first event it is sent. */
    private static final class IdSink implements SseEventSink {
        private final CompletableFuture<String> id = new CompletableFuture<>();

        String await() throws InterruptedException {
            try {
                return id.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the first event never reached its stream", e);
            }
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            id.complete(event.getId());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }
}
