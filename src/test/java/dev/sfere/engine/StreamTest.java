package dev.sfere.engine;

import dev.sfere.EvictionCause;
import dev.sfere.OutboundEvents;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The per-connection queue: order, never blocking the sender, SLOW on overflow, opening, closing. */
class StreamTest {

    private final List<EvictionCause> givenUp = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private static OutboundSseEvent event(int n) {
        return OutboundEvents.text("n", Integer.toString(n));
    }

    private static List<String> data(Sink sink) {
        return sink.written.stream().map(OutboundEvents::dataText).toList();
    }

    @Test
    void queuedEvents_areWrittenInOrder_byOneTaskOnTheExecutor() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream connection = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));

        assertThat(connection.send(event(1), event(2))).isTrue();
        assertThat(connection.send(event(3))).isTrue();

        assertThat(sink.written).isEmpty();
        assertThat(tasks).hasSize(1);
        assertThat(connection.queued()).isEqualTo(3);
        tasks.poll().run();
        assertThat(data(sink)).containsExactly("1", "2", "3");
        assertThat(connection.queued()).isZero();

        connection.send(event(4));
        assertThat(tasks).hasSize(1);
        tasks.poll().run();
        assertThat(data(sink)).containsExactly("1", "2", "3", "4");
        assertThat(givenUp).isEmpty();
    }

    @Test
    void stalledStream_neverBlocksTheSender_andOverflowGivesItUpAsSlowOnce() throws Exception {
        Sink sink = new Sink();
        sink.block = new CountDownLatch(1);
        Stream connection = new Stream(sink, pool, 5, (c, cause) -> givenUp.add(cause));

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(connection.send(event(0))).isTrue();
            assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 5; i++) {
                assertThat(connection.send(event(i))).as("event %d fits the queue", i).isTrue();
            }
            assertThat(connection.queued()).isEqualTo(5);
            assertThat(connection.send(event(6))).isFalse();
        });

        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
        assertThat(connection.hasFailed()).isTrue();
        assertThat(connection.queued()).isZero();
        assertThat(connection.send(event(7))).isFalse();
        sink.block.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).as("the writer returned").isTrue();
        assertThat(data(sink)).containsExactly("0");
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
    }

    @Test
    void oneSendOfSeveralEvents_isQueuedWholeOrNotAtAll() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream connection = new Stream(sink, tasks::add, 2, (c, cause) -> givenUp.add(cause));
        assertThat(connection.send(event(1), event(2), event(3))).isFalse();
        assertThat(givenUp).containsExactly(EvictionCause.SLOW);
        assertThat(tasks).isEmpty();
        assertThat(sink.written).isEmpty();
    }

    @Test
    void failedWriteOnTheExecutor_givesUpClosed_andDropsTheRest() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        sink.failAt = 2;
        Stream connection = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1), event(2), event(3));
        tasks.poll().run();
        assertThat(data(sink)).containsExactly("1");
        assertThat(givenUp).containsExactly(EvictionCause.CLOSED);
        assertThat(connection.queued()).isZero();
        assertThat(connection.send(event(4))).isFalse();
        assertThat(tasks).isEmpty();
    }

    @Test
    void rejectedByTheExecutor_givesUpClosed() {
        Stream connection = new Stream(new Sink(), task -> {
            throw new RejectedExecutionException("shut down");
        }, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1));
        assertThat(givenUp).containsExactly(EvictionCause.CLOSED);
        assertThat(connection.hasFailed()).isTrue();
    }

    @Test
    void close_dropsWaitingEvents_closesTheSink_andIsNotAGiveUp() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream connection = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1));
        connection.close();
        tasks.poll().run();
        assertThat(sink.written).isEmpty();
        assertThat(sink.isClosed()).isTrue();
        assertThat(connection.send(event(2))).isFalse();
        assertThat(givenUp).isEmpty();
    }

    @Test
    void closeDuringABlockedWrite_returnsAtOnce_andTheWriterClosesWhenItsWriteReturns() throws Exception {
        Sink sink = new Sink();
        sink.block = new CountDownLatch(1);
        Stream connection = new Stream(sink, pool, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1), event(2));
        assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();

        assertTimeoutPreemptively(Duration.ofSeconds(2), connection::close);
        assertThat(sink.isClosed()).as("not while the write is blocked").isFalse();

        sink.block.countDown();
        await("closed by the writer after its write").atMost(Duration.ofSeconds(5)).until(sink::isClosed);
        assertThat(sink.isClosed()).as("closed by the writer after its write").isTrue();
        assertThat(data(sink)).as("nothing written after the close").containsExactly("1");
        assertThat(sink.closes).isEqualTo(1);
        assertThat(givenUp).isEmpty();
    }

    @Test
    void finish_dropsWhatWaits_writesTheLastEventAfterTheWriteInProgress_thenCloses() throws Exception {
        Sink sink = new Sink();
        sink.block = new CountDownLatch(1);
        Stream connection = new Stream(sink, pool, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1), event(2));
        assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();

        // As when the stream is purged or replaced while a write to it is blocked.
        assertThat(connection.finish(event(9))).isTrue();
        assertThat(connection.send(event(3))).as("sends after the end are refused").isFalse();
        assertThat(connection.finish(event(10))).as("ended once").isFalse();
        assertThat(sink.isClosed()).isFalse();

        sink.block.countDown();
        await("closed after its last event").atMost(Duration.ofSeconds(5)).until(sink::isClosed);
        assertThat(data(sink)).containsExactly("1", "9");
        assertThat(sink.closes).isEqualTo(1);
        assertThat(givenUp).isEmpty();
    }

    @Test
    void closeWhileTheDeliveryTaskWaitsForAThread_closesAtOnce_andTheTaskWritesNothing() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream connection = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));
        connection.send(event(1));
        assertThat(tasks).hasSize(1);

        connection.close();
        assertThat(sink.isClosed()).as("closed now, not by a task that may never run (at shutdown)").isTrue();

        tasks.poll().run();
        assertThat(sink.written).isEmpty();
        assertThat(sink.closes).isEqualTo(1);
        assertThat(givenUp).isEmpty();
    }

    @Test
    void whileOpening_everyEventWaits_untilOpened_thenInTheOrderSent() throws Exception {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream connection = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));
        connection.opening();

        Thread other = new Thread(() -> connection.send(event(1)));
        other.start();
        other.join();
        assertThat(connection.send(event(0))).isTrue();
        assertThat(sink.written).isEmpty();
        assertThat(tasks).as("nothing scheduled while the request runs").isEmpty();

        connection.opened();
        assertThat(tasks).hasSize(1);
        tasks.poll().run();
        assertThat(data(sink)).containsExactly("1", "0");
    }

    @Test
    void directExecutor_writesOnTheSendersThread() {
        Sink sink = new Sink();
        Stream connection = new Stream(sink, Runnable::run, Integer.MAX_VALUE,
                (c, cause) -> givenUp.add(EvictionCause.CLOSED));
        assertThat(connection.send(event(1))).isTrue();
        assertThat(data(sink)).containsExactly("1");
        assertThat(sink.threads).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void capacityBelowOne_isRefused() {
        assertThatThrownBy(() -> new Stream(new Sink(), Runnable::run, 0, (c, cause) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    /**
     * A null among the events is refused before anything is queued: the call fails whole, naming the position, and
     * leaves neither the events before it in the queue nor a null for the opener to hand to the runtime.
     */
    @Test
    void nullEvent_isRefusedNamingItsPosition_andNothingIsQueuedOrWritten() {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        Sink sink = new Sink();
        Stream queued = new Stream(sink, tasks::add, 10, (c, cause) -> givenUp.add(cause));

        assertThatThrownBy(() -> queued.send(event(1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("events[1]");
        assertThat(queued.queued()).isZero();
        assertThatThrownBy(() -> queued.send((OutboundSseEvent[]) null))
                .isInstanceOf(NullPointerException.class).hasMessage("events");

        Stream opening = new Stream(sink, Runnable::run, 10, (c, cause) -> givenUp.add(cause));
        opening.opening();
        assertThatThrownBy(() -> opening.send(event(2), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("events[1]");

        assertThat(sink.written).isEmpty();
        assertThat(tasks).isEmpty();
        assertThat(givenUp).isEmpty();
    }

    /** A sink that records writes, and can block in a write or fail the n-th one. */
    private static final class Sink implements SseEventSink {
        final List<OutboundSseEvent> written = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch block;
        volatile int failAt;
        private volatile boolean closed;
        private volatile int closes;
        private int calls;

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public synchronized CompletionStage<?> send(OutboundSseEvent event) {
            calls++;
            entered.countDown();
            if (block != null) {
                try {
                    block.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (calls == failAt) {
                return CompletableFuture.failedFuture(new java.io.IOException("Broken pipe"));
            }
            written.add(event);
            threads.add(Thread.currentThread().getName());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
            closes++;
            closed = true;
        }
    }
}
