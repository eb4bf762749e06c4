package dev.sfere.cdi;

import dev.sfere.engine.Streams;
import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Registration (as the interceptor does it), explicit purges, broadcasts, sends, failing streams and, for the
 * bounded store, size evictions, all at once from many threads for a few seconds, over few keys so they collide.
 * Afterwards every sink ever registered is checked: it is in the store if and only if the library has not closed
 * it, every connection that left the store was reported exactly once, and the store's indexes agree with its map.
 *
 * <p>Runs in a CDI container without HTTP so that every sink can be inspected; the HTTP-level race of two
 * requests for one key is {@code dev.sfere.it.RaceIT}.
 */
class ConcurrencyTest {

    private static final int KEYS = 24;
    private static final Duration RUN = Duration.ofSeconds(3);

    @ParameterizedTest
    @ValueSource(classes = {MemoryStoreProducer.class, CaffeineStoreProducer.class, BoundedStoreProducer.class})
    void registerPurgeBroadcastAtOnce_storedIfAndOnlyIfOpen(Class<?> storeProducer) throws Exception {
        Weld weld = new Weld().disableDiscovery().addExtension(new SfereExtension())
                .addBeanClass(Evictions.class).addBeanClass(storeProducer);
        ScheduledExecutorService io = Executors.newScheduledThreadPool(2);
        try (WeldContainer container = weld.initialize()) {
            ConnectionLifecycle lifecycle = container.select(ConnectionLifecycle.class).get();
            ConnectionStore store = container.select(ConnectionStore.class).get();
            Broadcaster broadcaster = container.select(Broadcaster.class).get();
            Evictions evictions = container.select(Evictions.class).get();

            List<RaceSink> sinks = new CopyOnWriteArrayList<>();
            ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger registrations = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(worker("register-" + t, running, thrown, random -> {
                    ConnectionKey key = key(random.nextInt(KEYS));
                    RaceSink sink = new RaceSink(random, io);
                    sinks.add(sink);
                    Connection connection = lifecycle.engine().register(key, sink);
                    sink.connection(connection);
                    registrations.incrementAndGet();
                    if (random.nextInt(100) < 3) {
                        // The resource method threw: the library takes the connection out without closing it, and
                        // the runtime ends the response with the error.
                        lifecycle.engine().requestFailed(connection);
                        sink.endedByRuntime();
                    } else {
                        if (random.nextBoolean()) {
                            Streams.send(connection, broadcaster.event("welcome", key.id()));
                        }
                        Streams.opened(connection);
                    }
                }));
            }
            for (int t = 0; t < 2; t++) {
                threads.add(worker("purge-" + t, running, thrown,
                        random -> store.purge(key(random.nextInt(KEYS)))));
            }
            for (int t = 0; t < 2; t++) {
                threads.add(worker("broadcast-" + t, running, thrown, random -> {
                    if (random.nextBoolean()) {
                        broadcaster.broadcast(KeyPattern.all(), "news", "n");
                    } else {
                        broadcaster.send(key(random.nextInt(KEYS)), "direct", "d");
                    }
                }));
            }
            threads.forEach(Thread::start);
            // Not a wait: the race runs for this long.
            Thread.sleep(RUN.toMillis());
            running.set(false);
            for (Thread thread : threads) {
                thread.join(10_000);
                assertThat(thread.isAlive()).as(thread.getName() + " stopped").isFalse();
            }
            assertThat(thrown).as("exceptions from the library's API").isEmpty();
            io.shutdown();
            assertThat(io.awaitTermination(10, TimeUnit.SECONDS)).as("late failures reported").isTrue();

            // The dust settles: late stage failures have been reported (above); the bounded store's evictions are
            // told on Caffeine's executor, so wait for the invariants rather than assume them at once.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertThat(check(sinks, store, evictions, registrations.get())).as("broken invariants").isEmpty());
            System.out.println("ConcurrencyTest[" + storeProducer.getSimpleName() + "]: " + registrations.get()
                    + " registrations, " + store.keys().size() + " stored at the end, evictions by cause "
                    + evictions.byCause() + ", " + sinks.stream().filter(RaceSink::hasFailed).count()
                    + " sinks made to fail, " + sinks.stream().mapToInt(RaceSink::sendsAfterClose).sum()
                    + " writes handed to an already closed sink");
            assertThat(registrations.get()).as("enough work to mean something").isGreaterThan(1_000);
        } finally {
            io.shutdownNow();
        }
    }

    /** Every invariant that must hold once nothing runs any more; empty when all hold. */
    private static List<String> check(List<RaceSink> sinks, ConnectionStore store, Evictions evictions,
                                      int registrations) {
        List<String> broken = new ArrayList<>();
        int stored = 0;
        for (RaceSink sink : sinks) {
            Connection connection = sink.connection();
            boolean inStore = connection != null && store.keyOf(connection)
                    .flatMap(store::get).filter(c -> c == connection).isPresent();
            if (inStore) {
                stored++;
            }
            if (inStore && sink.isClosed()) {
                broken.add("stored but closed: " + sink);
            } else if (inStore && sink.hasFailed()) {
                broken.add("stored although a write failed: " + sink);
            } else if (!inStore && sink.libraryCloses() == 0 && !sink.isEndedByRuntime()) {
                broken.add("open but not stored: " + sink);
            }
            if (sink.libraryCloses() > 1) {
                broken.add("closed " + sink.libraryCloses() + " times: " + sink);
            }
            if (sink.sendsAfterClose() > 0) {
                broken.add("written " + sink.sendsAfterClose() + " times after the library closed it: " + sink);
            }
        }
        List<ConnectionKey> keys = store.keys();
        for (ConnectionKey key : keys) {
            Connection connection = store.get(key).orElse(null);
            if (connection == null || !store.keyOf(connection).equals(java.util.Optional.of(key))) {
                broken.add("indexes disagree for " + key + ": " + connection);
            }
        }
        if (stored != keys.size()) {
            broken.add(stored + " sinks stored, but the store has " + keys.size() + " keys");
        }
        if (evictions.total() + keys.size() != registrations) {
            broken.add(registrations + " registrations, " + keys.size() + " stored, but " + evictions.total()
                    + " evictions reported");
        }
        return broken.size() > 20 ? broken.subList(0, 20) : broken;
    }

    private static Thread worker(String name, AtomicBoolean running, ConcurrentLinkedQueue<Throwable> thrown,
                                 java.util.function.Consumer<ThreadLocalRandom> step) {
        return new Thread(() -> {
            while (running.get()) {
                try {
                    step.accept(ThreadLocalRandom.current());
                } catch (Throwable t) {
                    thrown.add(t);
                    return;
                }
            }
        }, name);
    }

    private static ConnectionKey key(int i) {
        return ConnectionKey.of("default", "race", "k" + i);
    }

    /**
     * A sink that records its closes and writes, and fails now and then the way runtimes do: a throwing send, a
     * failed stage (sometimes completed later, from another thread, as an I/O thread would), an exception as the
     * stage's value, or a sink that reports closed after a write.
     */
    static final class RaceSink implements SseEventSink {
        private enum Failure { NONE, THROWS, FAILED_STAGE, LATE_FAILED_STAGE, EXCEPTION_AS_VALUE, CLOSED_AFTER_SEND }

        private final Failure failure;
        private final int failAfter;
        private final ScheduledExecutorService io;
        private final AtomicInteger writes = new AtomicInteger();
        private final AtomicInteger libraryCloses = new AtomicInteger();
        private final AtomicInteger sendsAfterClose = new AtomicInteger();
        private volatile boolean failedNow;
        private volatile boolean closedAfterSend;
        private volatile boolean endedByRuntime;
        private volatile Connection connection;

        RaceSink(ThreadLocalRandom random, ScheduledExecutorService io) {
            Failure[] all = Failure.values();
            this.failure = random.nextInt(100) < 30 ? all[1 + random.nextInt(all.length - 1)] : Failure.NONE;
            this.failAfter = random.nextInt(5);
            this.io = io;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            if (libraryCloses.get() > 0) {
                sendsAfterClose.incrementAndGet();
            }
            if (failure == Failure.NONE || writes.getAndIncrement() < failAfter) {
                return CompletableFuture.completedFuture(null);
            }
            failedNow = true;
            switch (failure) {
                case THROWS:
                    throw new IllegalStateException("the stream is closed");
                case FAILED_STAGE:
                    return CompletableFuture.failedFuture(new IOException("Broken pipe"));
                case LATE_FAILED_STAGE:
                    CompletableFuture<Void> later = new CompletableFuture<>();
                    try {
                        io.schedule(() -> later.completeExceptionally(new IOException("Connection reset")),
                                ThreadLocalRandom.current().nextInt(500), TimeUnit.MICROSECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        later.completeExceptionally(e);
                    }
                    return later;
                case EXCEPTION_AS_VALUE:
                    return CompletableFuture.completedFuture(new IOException("Broken pipe"));
                default:
                    closedAfterSend = true;
                    return CompletableFuture.completedFuture(null);
            }
        }

        @Override
        public boolean isClosed() {
            return closedAfterSend || libraryCloses.get() > 0 || endedByRuntime;
        }

        @Override
        public void close() {
            libraryCloses.incrementAndGet();
        }

        void endedByRuntime() {
            endedByRuntime = true;
        }

        boolean isEndedByRuntime() {
            return endedByRuntime;
        }

        int libraryCloses() {
            return libraryCloses.get();
        }

        int sendsAfterClose() {
            return sendsAfterClose.get();
        }

        boolean hasFailed() {
            return failedNow;
        }

        /** The connection the library made for this sink. */
        Connection connection() {
            return connection;
        }

        void connection(Connection connection) {
            this.connection = connection;
        }

        @Override
        public String toString() {
            return "RaceSink[" + failure + " after " + failAfter + ", writes=" + writes + ", closes="
                    + libraryCloses + (endedByRuntime ? ", ended by runtime" : "") + ", " + connection + "]";
        }
    }

    /** Counts evictions by cause. */
    @ApplicationScoped
    static class Evictions {
        private final Map<EvictionCause, AtomicInteger> byCause = new java.util.concurrent.ConcurrentHashMap<>();

        void on(@Observes SfereEvicted event) {
            byCause.computeIfAbsent(event.cause(), c -> new AtomicInteger()).incrementAndGet();
        }

        int total() {
            return byCause.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        Map<EvictionCause, Integer> byCause() {
            Map<EvictionCause, Integer> copy = new EnumMap<>(EvictionCause.class);
            byCause.forEach((cause, n) -> copy.put(cause, n.get()));
            return copy;
        }
    }

    /** The unbounded in-memory store. */
    static class MemoryStoreProducer {
        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return Stores.memory();
        }
    }

    /** The Caffeine store, large enough never to evict. */
    static class CaffeineStoreProducer {
        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return Stores.caffeine().duration(Duration.ofMinutes(10)).build();
        }
    }

    /** The Caffeine store bounded below the number of keys, so size evictions join the race. */
    static class BoundedStoreProducer {
        @Produces
        @ApplicationScoped
        ConnectionStore store() {
            return Stores.caffeine().duration(Duration.ofMinutes(10)).maximumSize(KEYS - 8).build();
        }
    }
}
