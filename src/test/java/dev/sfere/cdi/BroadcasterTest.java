package dev.sfere.cdi;

import dev.sfere.engine.Streams;
import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.EvictionCause;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.SfereEvicted;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The broadcaster in a CDI container without HTTP, with sinks that fail on purpose. */
@EnableWeld
class BroadcasterTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addExtension(new SfereExtension())
            .addBeanClass(Evictions.class)).build();

    @Inject
    Broadcaster broadcaster;

    @Inject
    ConnectionStore store;

    @Inject
    ConnectionLifecycle lifecycle;

    @Inject
    Evictions evictions;

    /** Registers as the interceptor does, leaving the stream opening (its resource method still running). */
    private Connection register(String id, FakeSink sink) {
        return lifecycle.engine().register(ConnectionKey.of("default", "room", id), sink);
    }

    @ParameterizedTest
    @EnumSource(value = FakeSink.Mode.class, names = "HEALTHY", mode = EnumSource.Mode.EXCLUDE)
    void broadcast_oneFailingStream_othersReached_failedOnePurgedClosed(FakeSink.Mode failure) {
        FakeSink before = new FakeSink(FakeSink.Mode.HEALTHY);
        FakeSink broken = new FakeSink(failure);
        FakeSink after = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection a = register("a", before);
        Connection bc = register("b", broken);
        Connection c = register("c", after);

        int reached = broadcaster.broadcast(KeyPattern.all(), "note", "hello");

        // Queued on all three while their resource methods run; written, and the broken one found, once they return.
        assertThat(reached).isEqualTo(3);
        assertThat(before.sent).isEmpty();
        Streams.opened(a);
        Streams.opened(bc);
        Streams.opened(c);
        ConnectionKey b = ConnectionKey.of("default", "room", "b");
        await("written, and b purged").atMost(Duration.ofSeconds(5)).until(() -> before.sent.size() == 1
                && after.sent.size() == 1 && !store.keys().contains(b) && !evictions.seen().isEmpty());
        assertThat(before.sent).hasSize(1);
        assertThat(after.sent).hasSize(1);
        assertThat(store.keys()).doesNotContain(b).hasSize(2);
        assertThat(evictions.seen()).containsExactly(new SfereEvicted(b, EvictionCause.CLOSED));
        await("the broken stream closed").atMost(Duration.ofSeconds(5)).until(broken::isClosed);
    }

    /** Streams whose resource method returned are written on the delivery threads, not the caller's. */
    @ParameterizedTest
    @EnumSource(value = FakeSink.Mode.class, names = "HEALTHY", mode = EnumSource.Mode.EXCLUDE)
    void broadcast_toOpenStreams_deliveredOffTheCallersThread_failedOnePurgedClosed(FakeSink.Mode failure) {
        FakeSink before = new FakeSink(FakeSink.Mode.HEALTHY);
        FakeSink broken = new FakeSink(failure);
        FakeSink after = new FakeSink(FakeSink.Mode.HEALTHY);
        Streams.opened(register("a", before));
        Streams.opened(register("b", broken));
        Streams.opened(register("c", after));

        for (int i = 0; i < 50; i++) {
            broadcaster.broadcast(KeyPattern.all(), "note", Integer.toString(i));
        }

        ConnectionKey b = ConnectionKey.of("default", "room", "b");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(before.sent.size() == 50
                && after.sent.size() == 50).as(() -> "50 events each, got " + before.sent.size() + " and "
                + after.sent.size()).isTrue());
        assertThat(before.sent).extracting(OutboundEvents::dataText).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 50).mapToObj(Integer::toString).toList());
        assertThat(after.sent).extracting(OutboundEvents::dataText).isEqualTo(
                before.sent.stream().map(OutboundEvents::dataText).toList());
        assertThat(before.writers).noneMatch(name -> name.equals(Thread.currentThread().getName()));
        // The eviction is told after the entry leaves the store, on the thread that saw the failure.
        await("b purged and told").atMost(Duration.ofSeconds(5)).until(() -> !store.keys().contains(b)
                && broken.isClosed() && !evictions.seen().isEmpty());
        assertThat(store.keys()).hasSize(2);
        assertThat(evictions.seen()).containsExactly(new SfereEvicted(b, EvictionCause.CLOSED));
    }

    /**
     * Regression: on Open Liberty, writes from other threads while the opening request still ran lost streams. Every
     * event waits until the resource method returns, the request's own too, so that all go out in the order they
     * were stamped, with increasing ids.
     */
    @Test
    void openingStream_eventsWaitUntilTheResourceMethodReturns_thenGoOutInStampedOrder() throws Exception {
        FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection opening = register("new", sink);
        ConnectionKey key = ConnectionKey.of("default", "room", "new");

        Thread other = new Thread(() -> broadcaster.broadcast(KeyPattern.all(), "joined", "someone"));
        other.start();
        other.join();
        assertThat(sink.sent).isEmpty();

        broadcaster.send(key, "participants", "[]");
        assertThat(sink.sent).isEmpty();

        Streams.opened(opening);
        await("the held events written").atMost(Duration.ofSeconds(5)).until(() -> sink.sent.size() == 2);
        assertThat(sink.sent).extracting(e -> e.getName()).containsExactly("joined", "participants");
        Thread after = new Thread(() -> broadcaster.send(key, "message", "direct"));
        after.start();
        after.join();
        await("the later event written").atMost(Duration.ofSeconds(5)).until(() -> sink.sent.size() == 3);
        assertThat(sink.sent).extracting(e -> e.getName()).containsExactly("joined", "participants", "message");
        assertThat(sink.sent).extracting(e -> Long.parseLong(e.getId().substring(e.getId().lastIndexOf('-') + 1)))
                .isSorted().doesNotHaveDuplicates();
    }

    /**
     * A snapshot sent while the stream opens comes first, ahead of what other threads broadcast meanwhile (which it
     * reflects, so those are dropped), and ids still increase; once the stream is open it is a plain send.
     */
    @Test
    void snapshot_whileOpening_comesFirst_dropsWhatWasQueuedBefore_thenIsAPlainSend() throws Exception {
        FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection opening = register("new", sink);
        ConnectionKey key = ConnectionKey.of("default", "room", "new");
        Thread other = new Thread(() -> broadcaster.broadcast(KeyPattern.all(), "joined", "someone"));
        other.start();
        other.join();

        assertThat(broadcaster.snapshot(key, "participants", "[\"someone\",\"new\"]")).isEqualTo(1);
        broadcaster.send(key, "message", "after the snapshot");
        Streams.opened(opening);
        await("written").atMost(Duration.ofSeconds(5)).until(() -> sink.sent.size() == 2);
        assertThat(sink.sent).extracting(e -> e.getName()).containsExactly("participants", "message");
        assertThat(sink.sent).extracting(e -> Long.parseLong(e.getId().substring(e.getId().lastIndexOf('-') + 1)))
                .isSorted().doesNotHaveDuplicates();

        assertThat(broadcaster.snapshot(key, "participants", "[]")).isEqualTo(1);
        await("a plain send once open").atMost(Duration.ofSeconds(5)).until(() -> sink.sent.size() == 3);
        broadcaster.broadcast(KeyPattern.all(), "joined", "later");
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.sent.size() == 4);
        assertThat(sink.sent).extracting(e -> e.getName()).containsExactly("participants", "message",
                "participants", "joined");
    }

    /** On a resumed stream a snapshot drops nothing: the replay of what the client missed stays, in order. */
    @Test
    void snapshot_onAResumedStream_dropsNothing() {
        FakeSink first = new FakeSink(FakeSink.Mode.HEALTHY);
        ConnectionKey key = ConnectionKey.of("default", "room", "back");
        Streams.opened(register("back", first));
        broadcaster.send(key, "message", "one");
        await().atMost(Duration.ofSeconds(5)).until(() -> first.sent.size() == 1);
        broadcaster.send(key, "message", "missed");

        FakeSink again = new FakeSink(FakeSink.Mode.HEALTHY);
        Connection resumed = lifecycle.engine().register(key, again, first.sent.get(0).getId());
        broadcaster.snapshot(key, "participants", "[]");
        Streams.opened(resumed);
        await().atMost(Duration.ofSeconds(5)).until(() -> again.sent.size() == 2);
        assertThat(again.sent).extracting(e -> e.getName() + " " + OutboundEvents.dataText(e))
                .containsExactly("message missed", "participants []");
    }

    @Test
    void send_toFailingStream_returnsZeroAndPurgesOnce() {
        Streams.opened(register("x", new FakeSink(FakeSink.Mode.THROWS)));
        ConnectionKey x = ConnectionKey.of("default", "room", "x");
        broadcaster.send(x, "note", "one");
        await("the failed write seen").atMost(Duration.ofSeconds(5)).until(() -> !evictions.seen().isEmpty());
        assertThat(broadcaster.send(x, "note", "two")).isZero();
        assertThat(evictions.seen()).containsExactly(new SfereEvicted(x, EvictionCause.CLOSED));
    }

    @Test
    void observer_canBroadcastToTheRemainingFromInsideTheEvent() {
        FakeSink alice = new FakeSink(FakeSink.Mode.HEALTHY);
        Streams.opened(register("alice", alice));
        Streams.opened(register("bob", new FakeSink(FakeSink.Mode.FAILED_STAGE)));
        evictions.announce();
        broadcaster.broadcast(KeyPattern.all(), "note", "hi");
        await("both written").atMost(Duration.ofSeconds(5)).until(() -> alice.sent.size() == 2);
        assertThat(alice.sent).extracting(e -> e.getName() + "=" + OutboundEvents.dataText(e))
                .containsExactlyInAnyOrder("note=hi", "left=bob");
    }

    @Test
    void replacedConnection_isClosedAndReported() {
        FakeSink first = new FakeSink(FakeSink.Mode.HEALTHY);
        Streams.opened(register("same", first));
        register("same", new FakeSink(FakeSink.Mode.HEALTHY));
        // Closed off the caller's thread, so a runtime that blocks in close cannot hold up the caller.
        await("the replaced stream closed").atMost(Duration.ofSeconds(5)).until(first::isClosed);
        assertThat(first.sent).extracting(e -> e.getName() + " " + OutboundEvents.dataText(e))
                .containsExactly("sfere-close {\"cause\":\"replaced\"}");
        assertThat(evictions.seen()).containsExactly(
                new SfereEvicted(ConnectionKey.of("default", "room", "same"), EvictionCause.REPLACED));
    }

    @Test
    void explicitPurge_closesTheStreamAndReportsExplicit() {
        FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
        Streams.opened(register("gone", sink));
        ConnectionKey gone = ConnectionKey.of("default", "room", "gone");
        assertThat(store.purge(gone)).isTrue();
        await("the purged stream closed").atMost(Duration.ofSeconds(5)).until(sink::isClosed);
        assertThat(sink.sent).extracting(e -> e.getName() + " " + OutboundEvents.dataText(e))
                .containsExactly("sfere-close {\"cause\":\"explicit\"}");
        assertThat(evictions.seen()).containsExactly(new SfereEvicted(gone, EvictionCause.EXPLICIT));
    }

    @Test
    void heartbeat_streamsNotYetQuiet_getNothing() {
        FakeSink fresh = new FakeSink(FakeSink.Mode.HEALTHY);
        register("fresh", fresh);
        // The default interval is 15 s, so a stream registered just now is not quiet yet.
        Streams.heartbeat(lifecycle.engine());
        assertThat(fresh.sent).isEmpty();
    }

    @Test
    void event_badArguments_areRefusedClearly() {
        assertThatThrownBy(() -> broadcaster.event("bad\nname", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event name");
        assertThatThrownBy(() -> broadcaster.event("n", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data");
        assertThatThrownBy(() -> broadcaster.broadcast(KeyPattern.all()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one event");
    }

    /**
     * A null in the exclude set is refused like a null event, before anything is sent: locally it would exclude
     * nothing, but the cluster's encoding of the set fails on it, so the other instances would silently miss the
     * events while this one delivered them.
     */
    @Test
    void broadcast_excludeSetHoldingNull_isRefusedBeforeAnythingIsSent() {
        FakeSink sink = new FakeSink(FakeSink.Mode.HEALTHY);
        register("a", sink);
        Set<ConnectionKey> exclude = new HashSet<>();
        exclude.add(null);

        assertThatThrownBy(() -> broadcaster.broadcast(KeyPattern.all(), exclude, "note", "hello"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude");
        assertThat(sink.sent).isEmpty();
    }

    @Test
    void event_object_isEncodedOnceAsJson() {
        assertThat(OutboundEvents.dataText(broadcaster.event("m", List.of(1, 2)))).isEqualTo("[1,2]");
        assertThat(OutboundEvents.dataText(broadcaster.event("m", "plain"))).isEqualTo("plain");
    }

    /** Records evictions and, when asked, announces them to the room like an application would. */
    @ApplicationScoped
    static class Evictions {
        private final List<SfereEvicted> seen = new CopyOnWriteArrayList<>();
        private volatile boolean announce;

        List<SfereEvicted> seen() {
            return List.copyOf(seen);
        }

        void announce() {
            announce = true;
        }

        @Inject
        Broadcaster broadcaster;

        void on(@Observes SfereEvicted event) {
            seen.add(event);
            if (announce) {
                broadcaster.broadcast(KeyPattern.all().withCategory("room"), "left", event.key().id());
            }
        }
    }
}
