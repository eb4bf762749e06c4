package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.Resumption;
import dev.sfere.cluster.Cluster;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery from the cluster's log, without NATS: the {@link Sequencer} stamps the log's messages with the log's ids,
 * ignores a message consumed already, resets on a gap or a new epoch, and resumes from an id of any instance.
 */
class LogDeliveryTest {

    private static final ConnectionKey ALICE = ConnectionKey.of("s", "room", "alice");
    private static final ConnectionKey BOB = ConnectionKey.of("s", "room", "bob");
    private static final History.Selection ROOM = new History.Selection(KeyPattern.all(), null, null);
    private static final EngineSettings SETTINGS = new EngineSettings(Duration.ZERO, 1000, 4, 1000,
            Duration.ofSeconds(5), Duration.ofMinutes(2), 1L << 20, Duration.ZERO);

    private final ConnectionStore store = Stores.memory();
    private final Sequencer sequencer = new Sequencer(SETTINGS, () -> 0L, Telemetry.NONE);

    /** A sink that keeps what it is written: {@code id name data}. */
    private static final class Recorder implements SseEventSink {
        final List<String> written = new CopyOnWriteArrayList<>();

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            written.add(event.getId() + " " + event.getName() + " " + OutboundEvents.dataText(event));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    private Recorder open(ConnectionKey key, String lastEventId, Resumption expected) {
        Recorder sink = new Recorder();
        Stream stream = new Stream(sink, Runnable::run, 1000, (s, cause) -> { });
        stream.opening();
        store.store(key, stream);
        assertThat(sequencer.begin(stream, key, lastEventId)).isEqualTo(expected);
        stream.opened();
        return sink;
    }

    private void logged(String epoch, long sequence, long last, String... data) {
        OutboundSseEvent[] events = new OutboundSseEvent[data.length];
        for (int i = 0; i < data.length; i++) {
            events[i] = OutboundEvents.text("m", data[i]);
        }
        sequencer.deliverLogged(store, epoch, sequence, last, 0, ROOM, events);
    }

    @Test
    void aMessageConsumedAlready_redelivered_neverReachesAClientTwice() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        logged("ep", 2, 2, "two");
        logged("ep", 1, 2, "one");
        logged("ep", 2, 2, "two");
        logged("ep", 3, 3, "three");
        assertThat(alice.written).containsExactly("ep-1 m one", "ep-2 m two", "ep-3 m three");
    }

    @Test
    void theEventsOfOneMessage_getIdsWithAnIndex_andAResumeFromTheMiddleGetsTheRest() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "a", "b", "c");
        assertThat(alice.written).containsExactly("ep-1 m a", "ep-1.1 m b", "ep-1.2 m c");
        Recorder again = open(ALICE, "ep-1.1", Resumption.RESUMED);
        logged("ep", 2, 2, "d");
        assertThat(again.written).containsExactly("ep-1.2 m c", "ep-2 m d");
    }

    @Test
    void aResumeWithALogId_replaysWhatWasMissed_thenLive_noneRepeated() {
        sequencer.logOpened(store, "ep", 0);
        open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        logged("ep", 2, 2, "two");
        logged("ep", 3, 3, "three");
        Recorder resumed = open(BOB, "ep-1", Resumption.RESUMED);
        logged("ep", 4, 4, "four");
        assertThat(resumed.written).containsExactly("ep-2 m two", "ep-3 m three", "ep-4 m four");
    }

    @Test
    void anIdAheadOfThisInstance_isResumed_andTheLogIsSkippedUpToIt() {
        sequencer.logOpened(store, "ep", 0);
        logged("ep", 1, 5, "one");
        Recorder ahead = open(ALICE, "ep-4", Resumption.RESUMED);
        Recorder beyond = open(BOB, "ep-9", Resumption.RESET);
        for (int s = 2; s <= 6; s++) {
            logged("ep", s, 6, "m" + s);
        }
        assertThat(ahead.written).containsExactly("ep-5 m m5", "ep-6 m m6");
        assertThat(beyond.written.get(0)).contains("sfere-reset").contains("unknown");
    }

    @Test
    void aGap_resetsOpenStreams_andEveryResumeFromBefore_neverASilentGap() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        logged("ep", 2, 2, "two");
        logged("ep", 5, 5, "five");
        assertThat(alice.written).hasSize(4);
        assertThat(alice.written.get(2)).contains("sfere-reset");
        assertThat(alice.written.get(3)).isEqualTo("ep-5 m five");
        Recorder late = open(BOB, "ep-2", Resumption.RESET);
        assertThat(late.written.get(0)).contains("expired");
        Recorder fine = open(BOB, "ep-5", Resumption.RESUMED);
        logged("ep", 6, 6, "six");
        assertThat(fine.written).containsExactly("ep-6 m six");
    }

    @Test
    void aNewEpoch_resetsOpenStreams_andIdsOfTheLostLogAreReset() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        sequencer.logOpened(store, "new", 0);
        logged("new", 1, 1, "fresh");
        assertThat(alice.written).hasSize(3);
        assertThat(alice.written.get(1)).contains("sfere-reset");
        assertThat(alice.written.get(2)).isEqualTo("new-1 m fresh");
        assertThat(open(BOB, "ep-1", Resumption.RESET).written.get(0)).contains("unknown");
        logged("ep", 2, 2, "stale");
        assertThat(alice.written).as("a message of the lost log is ignored").hasSize(3);
    }

    @Test
    void theFirstLog_isOwedToNoStreamOpenBefore_butFillsTheHistory() {
        Recorder early = open(ALICE, null, Resumption.NEW);
        sequencer.logOpened(store, "ep", 2);
        logged("ep", 1, 2, "old-1");
        logged("ep", 2, 2, "old-2");
        Recorder fresh = open(BOB, null, Resumption.NEW);
        logged("ep", 3, 3, "new");
        assertThat(early.written).containsExactly("ep-3 m new");
        assertThat(fresh.written).containsExactly("ep-3 m new");
        assertThat(open(BOB, "ep-1", Resumption.RESUMED).written).as("a resume from the log held before")
                .containsExactly("ep-2 m old-2", "ep-3 m new");
    }

    @Test
    void aMessageThisInstanceDeliveredItself_takesItsPlace_withoutReachingAClientAgain() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        sequencer.deliver(store, ROOM, new OutboundSseEvent[] {OutboundEvents.text("m", "local")});
        logged("ep", 2, 2);
        logged("ep", 3, 3, "three");
        assertThat(alice.written).hasSize(3);
        assertThat(alice.written.get(1)).endsWith("m local").doesNotStartWith("ep-");
        Recorder resumed = open(BOB, "ep-2", Resumption.RESUMED);
        assertThat(resumed.written).containsExactly("ep-3 m three");
    }

    /** The notices this instance told, as a cluster would carry them. */
    private final List<Cluster.Notice> told = new CopyOnWriteArrayList<>();
    private final Cluster cluster = new Cluster() {
        @Override
        public boolean publish(KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                               OutboundSseEvent[] events) {
            return true;
        }

        @Override
        public void tell(Notice notice) {
            told.add(notice);
        }

        @Override
        public void registered(ConnectionKey key) {
        }

        @Override
        public void removed(ConnectionKey key) {
        }

        @Override
        public List<ConnectionKey> keys(KeyPattern pattern) {
            return List.of();
        }

        @Override
        public void close() {
        }
    };
    private final ClusterReceiver receiver = new ClusterReceiver(store, sequencer, Telemetry.NONE);

    private void noticed(long sequence, Cluster.Notice.Kind kind, ConnectionKey key, String value, boolean own) {
        receiver.noticed(new Cluster.LogPosition("ep", sequence, sequence, 0),
                new Cluster.Notice(kind, key, value, own));
    }

    /** Registers a stream as the engine does in cluster mode: it claims its key through the log. */
    private Stream claim(ConnectionKey key) {
        Stream stream = new Stream(new Recorder(), Runnable::run, 1000, (s, cause) -> { });
        stream.opening();
        receiver.registering(cluster, key, stream);
        store.store(key, stream);
        sequencer.begin(stream, key, null);
        stream.opened();
        return stream;
    }

    @Test
    void aLostNoticeOfAnotherInstance_resetsOpenStreams_andEveryResumeFromBefore_butNotTheSenders() {
        sequencer.logOpened(store, "ep", 0);
        Recorder alice = open(ALICE, null, Resumption.NEW);
        logged("ep", 1, 1, "one");
        noticed(2, Cluster.Notice.Kind.LOST, null, null, true);
        assertThat(alice.written).as("the sender's own streams had the events").containsExactly("ep-1 m one");
        noticed(3, Cluster.Notice.Kind.LOST, null, null, false);
        logged("ep", 4, 4, "four");
        assertThat(alice.written).hasSize(3);
        assertThat(alice.written.get(1)).contains("sfere-reset").contains("lost");
        assertThat(alice.written.get(2)).isEqualTo("ep-4 m four");
        assertThat(open(BOB, "ep-1", Resumption.RESET).written.get(0)).contains("expired");
        assertThat(open(BOB, "ep-4", Resumption.RESUMED).written).isEmpty();
    }

    @Test
    void aClaimOfAnotherInstance_replacesTheStreamWhoseClaimCameFirst_notOneWhoseClaimIsStillOnItsWay() {
        sequencer.logOpened(store, "ep", 0);
        claim(ALICE);
        assertThat(told).hasSize(1);
        Cluster.Notice mine = told.get(0);
        assertThat(mine.kind()).isEqualTo(Cluster.Notice.Kind.CLAIMED);
        assertThat(mine.key()).isEqualTo(ALICE);
        noticed(1, Cluster.Notice.Kind.CLAIMED, ALICE, mine.value(), true);
        noticed(2, Cluster.Notice.Kind.CLAIMED, ALICE, "1", false);
        assertThat(store.get(ALICE)).as("replaced by the later claim").isEmpty();

        Stream second = claim(ALICE);
        noticed(3, Cluster.Notice.Kind.CLAIMED, ALICE, "2", false);
        assertThat(store.get(ALICE)).as("its own claim comes later in the log").containsSame(second);
        noticed(4, Cluster.Notice.Kind.CLAIMED, ALICE, told.get(1).value(), true);
        noticed(3, Cluster.Notice.Kind.CLAIMED, ALICE, "2", false);
        assertThat(store.get(ALICE)).as("a redelivered claim is ignored").containsSame(second);
        noticed(5, Cluster.Notice.Kind.CLAIMED, BOB, "3", false);
        assertThat(store.get(ALICE)).as("another key's claim").containsSame(second);
    }

    @Test
    void anEndToldByAnotherInstance_isAnEndHere_forItsKeyOnly() {
        sequencer.logOpened(store, "ep", 0);
        noticed(1, Cluster.Notice.Kind.ENDED, ALICE, "k3x9q2ab-7", false);
        assertThat(sequencer.ended(ALICE, "k3x9q2ab-7", 0)).isTrue();
        assertThat(sequencer.ended(BOB, "k3x9q2ab-7", 0)).isFalse();
        assertThat(sequencer.ended(ALICE, "k3x9q2ab-8", 0)).isFalse();
        Recorder bob = open(BOB, null, Resumption.NEW);
        logged("ep", 2, 2, "two");
        assertThat(bob.written).as("the notice took its place in the log").containsExactly("ep-2 m two");
    }

    @Test
    void aReconnectWithAnotherInstancesId_waitsForItsEnd_upToTheBound_andOwnIdsNever() throws Exception {
        sequencer.logOpened(store, "ep", 0);
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(
                () -> sequencer.ended(ALICE, "k3x9q2ab-9", TimeUnit.SECONDS.toNanos(10)));
        noticed(1, Cluster.Notice.Kind.ENDED, ALICE, "k3x9q2ab-9", false);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        assertThat(sequencer.ended(ALICE, "k3x9q2ab-10", TimeUnit.MILLISECONDS.toNanos(100))).isFalse();
        String own = sequencer.history().ids().epoch() + "-1";
        assertThat(sequencer.ended(ALICE, own, TimeUnit.SECONDS.toNanos(30))).isFalse();
        assertThat(sequencer.ended(ALICE, "ep-1", TimeUnit.SECONDS.toNanos(30))).as("a log id").isFalse();
        assertThat(System.nanoTime() - started).as("bounded; own and log ids answered at once")
                .isLessThan(TimeUnit.SECONDS.toNanos(10));
    }
}
