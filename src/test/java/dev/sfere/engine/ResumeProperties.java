package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.Resumption;
import dev.sfere.spi.Connection;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The order and resume guarantees against a model, with jqwik: random broadcasts from several threads at once,
 * connections cut at random, and resumes from any id a client received. Every key's client, putting together what it
 * kept from each of its connections, must hold exactly the events that selected its key, once each, in the order of
 * their ids, with ids strictly increasing: no gap and no repeat at any seam.
 */
class ResumeProperties {

    private static final List<ConnectionKey> KEYS = List.of(ConnectionKey.of("s", "room", "a"),
            ConnectionKey.of("s", "room", "b"), ConnectionKey.of("s", "room", "c"));
    private static final EngineSettings SETTINGS = new EngineSettings(Duration.ZERO, 1_000_000, 4, 1_000,
            Duration.ofSeconds(5), Duration.ofMinutes(10), 1L << 30, Duration.ofSeconds(1));

    /** A broadcast: to every key ({@code key} -1), to one key, or to all but one ({@code allBut}). */
    record Delivery(int key, boolean allBut) {
        boolean selects(int k) {
            return key < 0 || (allBut ? k != key : k == key);
        }
    }

    /** One step of a client's life: a broadcast, a cut of its connection, or a resume from one of its ids. */
    record Step(int kind, Delivery delivery, int key, int pick) {
    }

    @Provide
    Arbitrary<Delivery> deliveries() {
        return Combinators.combine(Arbitraries.integers().between(-1, 2), Arbitraries.of(true, false))
                .as(Delivery::new);
    }

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), deliveries(),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1000)).as(Step::new);
    }

    @Property(tries = 40)
    void concurrentBroadcasts_reachEveryStreamInOneOrder_withIncreasingIds(
            @ForAll @Size(min = 1, max = 80) List<@net.jqwik.api.From("deliveries") Delivery> deliveries,
            @ForAll @IntRange(min = 1, max = 4) int threads) throws Exception {
        Engine engine = new Engine(Stores.memory(), SETTINGS, new Silent(), null);
        try {
            List<Client> clients = new ArrayList<>();
            for (ConnectionKey key : KEYS) {
                Client client = new Client();
                client.connect(engine, key, null);
                clients.add(client);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread sender = new Thread(() -> {
                    awaitQuietly(go);
                    for (int i = first; i < deliveries.size(); i += threads) {
                        deliver(engine, deliveries.get(i), "m" + i);
                    }
                });
                sender.start();
                senders.add(sender);
            }
            go.countDown();
            for (Thread sender : senders) {
                sender.join();
            }
            checkAgainstModel(clients, deliveries);
        } finally {
            engine.shutdown();
        }
    }

    @Property(tries = 60)
    void cutsAndResumesFromAnyReceivedId_yieldExactlyTheMissedSuffix(
            @ForAll @Size(min = 1, max = 60) List<@net.jqwik.api.From("steps") Step> steps,
            @ForAll @Size(max = 40) List<@net.jqwik.api.From("deliveries") Delivery> concurrent) throws Exception {
        Engine engine = new Engine(Stores.memory(), SETTINGS, new Silent(), null);
        try {
            List<Client> clients = new ArrayList<>();
            List<Delivery> all = new ArrayList<>();
            for (ConnectionKey key : KEYS) {
                Client client = new Client();
                client.connect(engine, key, null);
                clients.add(client);
            }
            // First an event to everyone, received before anything is cut, so every client holds an id to resume from.
            all.add(new Delivery(-1, false));
            deliver(engine, all.get(0), "m0");
            await("the first event everywhere").atMost(Duration.ofSeconds(10))
                    .until(() -> clients.stream().allMatch(c -> !c.kept().isEmpty()));
            all.addAll(concurrent);
            // A broadcaster of its own, racing the steps below.
            Thread racer = new Thread(() -> {
                for (int i = 0; i < concurrent.size(); i++) {
                    deliver(engine, concurrent.get(i), "m" + (1 + i));
                }
            });
            racer.start();
            for (Step step : steps) {
                Client client = clients.get(step.key());
                if (step.kind() <= 2) {
                    all.add(step.delivery());
                    deliver(engine, step.delivery(), "m" + (all.size() - 1));
                } else if (step.kind() <= 4) {
                    client.cut();
                } else {
                    client.resumeFromAnyReceived(engine, KEYS.get(step.key()), step.pick());
                }
            }
            racer.join();
            for (int k = 0; k < KEYS.size(); k++) {
                clients.get(k).resumeIfCut(engine, KEYS.get(k));
            }
            checkAgainstModel(clients, all);
        } finally {
            engine.shutdown();
        }
    }

    private static void deliver(Engine engine, Delivery delivery, String label) {
        KeyPattern pattern = delivery.key() < 0 || delivery.allBut() ? KeyPattern.all()
                : KeyPattern.exactly(KEYS.get(delivery.key()));
        Set<ConnectionKey> exclude = delivery.key() >= 0 && delivery.allBut() ? Set.of(KEYS.get(delivery.key())) : null;
        engine.deliver(pattern, exclude, null, new OutboundSseEvent[]{OutboundEvents.text("m", label)});
    }

    /**
     * Every client holds exactly the events that select its key, ordered by id, ids strictly increasing; an event
     * has one id, whichever stream it reached.
     */
    private static void checkAgainstModel(List<Client> clients, List<Delivery> deliveries) {
        for (int k = 0; k < clients.size(); k++) {
            int key = k;
            long expected = deliveries.stream().filter(d -> d.selects(key)).count();
            Client client = clients.get(k);
            await("client " + k + " holds " + expected).atMost(Duration.ofSeconds(10))
                    .until(() -> client.kept().size() >= expected);
        }
        Map<String, String> idOf = new ConcurrentHashMap<>();
        for (int k = 0; k < clients.size(); k++) {
            List<Received> kept = clients.get(k).kept();
            for (Received r : kept) {
                assertThat(idOf.putIfAbsent(r.label(), r.id())).as("one id per event").isIn(null, r.id());
            }
            assertThat(kept.stream().map(r -> sequence(r.id())).toList()).as("client %d ids", k)
                    .isSorted().doesNotHaveDuplicates();
        }
        for (int k = 0; k < clients.size(); k++) {
            int key = k;
            List<String> model = new ArrayList<>();
            for (int i = 0; i < deliveries.size(); i++) {
                if (deliveries.get(i).selects(key)) {
                    model.add("m" + i);
                }
            }
            model.sort(Comparator.comparingLong(label -> sequence(idOf.get(label))));
            assertThat(clients.get(k).kept().stream().map(Received::label).toList()).as("client %d", k)
                    .containsExactlyElementsOf(model);
            assertThat(clients.get(k).resets.get()).as("client %d was never reset", k).isZero();
        }
    }

    private static long sequence(String id) {
        return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    record Received(String label, String id) {
    }

    /**
     * A client as an {@code EventSource} is: what it kept across its connections, and the last id it holds. A cut
     * connection records nothing more, as a dropped network delivers nothing more.
     */
    private static final class Client {
        private final List<Received> kept = new ArrayList<>();
        private final AtomicInteger resets = new AtomicInteger();
        private Recorder current;

        synchronized List<Received> kept() {
            return List.copyOf(kept);
        }

        void connect(Engine engine, ConnectionKey key, String lastEventId) {
            Recorder recorder = new Recorder(this);
            Connection connection = engine.register(key, recorder, lastEventId);
            synchronized (this) {
                current = recorder;
            }
            assertThat(engine.resumption(connection)).isEqualTo(lastEventId == null ? Resumption.NEW
                    : Resumption.RESUMED);
            engine.opened(connection);
        }

        synchronized void cut() {
            if (current != null) {
                current.cut = true;
                current = null;
            }
        }

        /** Cuts the connection, forgets what came after a received event, and resumes from it. */
        void resumeFromAnyReceived(Engine engine, ConnectionKey key, int pick) {
            String from;
            synchronized (this) {
                cut();
                int at = pick % kept.size();
                from = kept.get(at).id();
                kept.subList(at + 1, kept.size()).clear();
            }
            connect(engine, key, from);
        }

        void resumeIfCut(Engine engine, ConnectionKey key) {
            String from;
            synchronized (this) {
                if (current != null) {
                    return;
                }
                from = kept.get(kept.size() - 1).id();
            }
            connect(engine, key, from);
        }

        synchronized void record(Recorder from, OutboundSseEvent event) {
            if (from.cut || from != current) {
                return;
            }
            if ("sfere-reset".equals(event.getName())) {
                resets.incrementAndGet();
            } else if ("m".equals(event.getName())) {
                kept.add(new Received(OutboundEvents.dataText(event), event.getId()));
            }
        }
    }

    /** A sink that hands what it is given to its client, until cut. */
    private static final class Recorder implements SseEventSink {
        private final Client client;
        volatile boolean cut;

        Recorder(Client client) {
            this.client = client;
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            client.record(this, event);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    private static final class Silent implements Engine.Listener {
        @Override
        public void connected(ConnectionKey key, Resumption resumption) {
        }

        @Override
        public void evicted(ConnectionKey key, EvictionCause cause) {
        }
    }
}
