package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.Resumption;
import dev.sfere.spi.ConnectionStore;
import dev.sfere.store.Stores;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

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
}
