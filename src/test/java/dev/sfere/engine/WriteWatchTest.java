package dev.sfere.engine;

import dev.sfere.EvictionCause;
import dev.sfere.OutboundEvents;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Writes that block on a client that stopped reading cost no shared thread and end at the write deadline. */
class WriteWatchTest {

    private DeliveryThreads threads;

    @AfterEach
    void stop() {
        if (threads != null) {
            threads.stop();
        }
    }

    @Test
    void writesBlockedOnEveryThread_stillLeaveAThreadForAHealthyStream() {
        // A bound of 2 and no deadline: without the watch, two stalled writes would hold every thread for good.
        threads = DeliveryThreads.start(2, 0);
        List<BlockingSink> stalled = List.of(new BlockingSink(), new BlockingSink(), new BlockingSink());
        for (BlockingSink sink : stalled) {
            open(sink, (stream, cause) -> { }).send(event("x"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stalled.stream().allMatch(s -> s.entered.getCount() == 0));

        BlockingSink healthy = BlockingSink.healthy();
        open(healthy, (stream, cause) -> { }).send(event("hello"));

        await("the healthy stream written while three writes stay blocked").atMost(Duration.ofSeconds(10))
                .until(() -> healthy.written.size() == 1);
        assertThat(threads.delivery().threads()).isGreaterThan(3);
        stalled.forEach(sink -> sink.release.countDown());
    }

    @Test
    void aWriteBlockedPastTheDeadline_givesTheStreamUpSlowAndFreesItsThread() throws Exception {
        threads = DeliveryThreads.start(2, TimeUnit.MILLISECONDS.toNanos(200));
        BlockingSink stalled = new BlockingSink();
        List<EvictionCause> givenUp = new CopyOnWriteArrayList<>();
        Stream stream = open(stalled, (s, cause) -> givenUp.add(cause));
        stream.send(event("blocks"), event("never written"));

        await().atMost(Duration.ofSeconds(10)).until(() -> givenUp.size() == 1);
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
        assertThat(stalled.interrupted.await(10, TimeUnit.SECONDS)).as("the blocked writer interrupted").isTrue();
        assertThat(stalled.written).isEmpty();
        assertThat(stream.hasFailed()).isTrue();

        // The thread that was interrupted goes on to other work with its interrupt cleared.
        BlockingSink next = BlockingSink.healthy();
        for (int i = 0; i < 20; i++) {
            open(next, (s, cause) -> givenUp.add(cause)).send(event("after " + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> next.written.size() == 20);
        assertThat(next.interruptedWhileWriting).as("writes that saw a stale interrupt").isZero();
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
    }

    /**
     * Regression: RESTEasy on Undertow (WildFly) returns from {@code send} at once and queues the bytes until the
     * client reads, so a stalled client's events all piled up in the runtime's heap and its stream was never given up.
     */
    @Test
    void aSendWhoseStageNeverCompletes_holdsOneEventAndIsGivenUpSlowAtTheDeadline() throws Exception {
        threads = DeliveryThreads.start(2, TimeUnit.MILLISECONDS.toNanos(200));
        List<OutboundSseEvent> handed = new CopyOnWriteArrayList<>();
        SseEventSink queuing = new SseEventSink() {
            @Override
            public boolean isClosed() {
                return false;
            }

            @Override
            public java.util.concurrent.CompletionStage<?> send(OutboundSseEvent event) {
                handed.add(event);
                return new java.util.concurrent.CompletableFuture<>();
            }

            @Override
            public void close() {
            }
        };
        List<EvictionCause> givenUp = new CopyOnWriteArrayList<>();
        Stream stream = open(queuing, (s, cause) -> givenUp.add(cause));
        for (int i = 0; i < 50; i++) {
            stream.send(event("queued " + i));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> givenUp.size() == 1);
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
        assertThat(handed).as("events in the runtime's hands").hasSize(1);

        BlockingSink next = BlockingSink.healthy();
        for (int i = 0; i < 20; i++) {
            open(next, (s, cause) -> givenUp.add(cause)).send(event("after " + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> next.written.size() == 20);
        assertThat(next.interruptedWhileWriting).as("writes that saw a stale interrupt").isZero();
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
    }

    @Test
    void aLateWriteThatSwallowsTheInterrupt_isInterruptedAgainUntilItReturns() throws Exception {
        // Payara: the first interrupt ends the blocked flush, then the close flushes again on the same thread and
        // blocks anew. Without a repeated interrupt that write would hold its thread until the runtime's time-out.
        threads = DeliveryThreads.start(2, TimeUnit.MILLISECONDS.toNanos(200));
        BlockingSink stubborn = BlockingSink.stubborn(3);
        List<EvictionCause> givenUp = new CopyOnWriteArrayList<>();
        Stream stream = open(stubborn, (s, cause) -> givenUp.add(cause));
        long sent = System.nanoTime();
        stream.send(event("blocks"), event("never written"));

        try {
            assertThat(stubborn.returned.await(10, TimeUnit.SECONDS))
                    .as("the write returned after %d interrupt(s)", stubborn.interruptsSeen).isTrue();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            // Deadline 200 ms, then two more interrupts 100 ms apart: well under a second.
            assertThat(tookMillis).as("time to free the thread, in ms").isLessThan(3_000);
        } finally {
            stubborn.release.countDown();
        }
        assertThat(stubborn.interruptsSeen).isEqualTo(3);
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
        assertThat(stubborn.written).isEmpty();

        // No interrupt reaches the thread once its write has returned.
        BlockingSink next = BlockingSink.healthy();
        for (int i = 0; i < 20; i++) {
            open(next, (s, cause) -> givenUp.add(cause)).send(event("after " + i));
            Thread.sleep(10);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> next.written.size() == 20);
        assertThat(next.interruptedWhileWriting).as("writes that saw a stale interrupt").isZero();
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
    }

    /**
     * A broadcast reaches many clients that stopped reading at about the same time, and their writes block together.
     * Each round of the watch that finds writes stalled lets the pool start twice as many threads again, so a reader's
     * event queued behind 600 such writes is written within a few rounds. With a bound of 16 and no surge it took
     * one round for every 16 of them: 38 rounds here, and seconds for the 1,000 of StalledClientsIT.
     */
    @Test
    void aWaveOfStalledWrites_isGotThroughInAFewRoundsOfTheWatch() throws Exception {
        WriteWatch watch = new WriteWatch(0);
        DeliveryThreads.DeliveryPool pool = DeliveryThreads.watchedPool(watch, 16);
        List<BlockingSink> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 600; i++) {
                BlockingSink sink = new BlockingSink();
                stalled.add(sink);
                Stream stream = new Stream(sink, pool, 100, (s, cause) -> { });
                stream.opened();
                stream.send(event("blocks"));
            }
            // Written to after them, as a broadcast would.
            BlockingSink healthy = BlockingSink.healthy();
            Stream reader = new Stream(healthy, pool, 100, (s, cause) -> { });
            reader.opened();
            reader.send(event("hello"));
            int rounds = 0;
            while (healthy.written.isEmpty() && rounds < 100) {
                // Past the stall time, so that every write begun since the last round is counted in this one.
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(WriteWatch.STALL_NANOS) + 30);
                watch.tick();
                rounds++;
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> healthy.written.size() == 1);
            assertThat(rounds).as("rounds of the watch until the reader's event was written").isLessThanOrEqualTo(12);
        } finally {
            stalled.forEach(sink -> sink.release.countDown());
            pool.shutdownNow();
        }
    }

    /**
     * A removal's close runs on a delivery thread, and a runtime may block in it (Jersey's close flushes to the client
     * that stopped reading): watched like a write, it costs no shared thread and is interrupted past the deadline.
     */
    @Test
    void closesBlockedOnEveryThread_stillLeaveAThreadForAHealthyStream_andAreInterruptedPastTheDeadline()
            throws Exception {
        threads = DeliveryThreads.start(2, TimeUnit.MILLISECONDS.toNanos(300));
        List<CloseBlocks> blocked = List.of(new CloseBlocks(), new CloseBlocks(), new CloseBlocks());
        for (CloseBlocks sink : blocked) {
            Stream stream = open(sink, (s, cause) -> { });
            threads.delivery().execute(stream::close);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.stream().allMatch(s -> s.entered.getCount() == 0));

        BlockingSink healthy = BlockingSink.healthy();
        open(healthy, (stream, cause) -> { }).send(event("hello"));
        await("the healthy stream written while three closes block").atMost(Duration.ofSeconds(10))
                .until(() -> healthy.written.size() == 1);
        for (CloseBlocks sink : blocked) {
            assertThat(sink.interrupted.await(10, TimeUnit.SECONDS)).as("the blocked close interrupted").isTrue();
        }
    }

    /** A sink whose close blocks until its thread is interrupted. */
    private static final class CloseBlocks implements SseEventSink {
        final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> send(OutboundSseEvent event) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
            entered.countDown();
            try {
                new java.util.concurrent.CountDownLatch(1).await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }
    }

    private Stream open(SseEventSink sink, java.util.function.BiConsumer<Stream, EvictionCause> onGiveUp) {
        Stream stream = new Stream(sink, threads.delivery(), 100, onGiveUp);
        stream.opened();
        return stream;
    }

    private static OutboundSseEvent event(String data) {
        return OutboundEvents.text("m", data);
    }
}
