package dev.sfere.engine;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The history on its own: stamping, what a resume finds, and the bounds in age and bytes. */
class HistoryTest {

    private static final ConnectionKey A = ConnectionKey.of("s", "room", "a");
    private static final ConnectionKey B = ConnectionKey.of("s", "room", "b");
    private static final long SECOND = 1_000_000_000L;

    private final EventIds ids = EventIds.fresh();

    private static History.Selection to(ConnectionKey key) {
        return new History.Selection(KeyPattern.exactly(key), null, null);
    }

    private static History.Selection allBut(ConnectionKey key) {
        return new History.Selection(KeyPattern.all(), Set.of(key), null);
    }

    private static OutboundSseEvent[] event(String data) {
        return new OutboundSseEvent[]{OutboundEvents.text("m", data)};
    }

    @Test
    void ids_carryTheEpochAndASequence_andParseBack() {
        History history = new History(ids, 60 * SECOND, 1 << 20, 0);
        Stamped[] stamped = history.append(to(A), event("x"), 0);
        assertThat(stamped[0].getId()).isEqualTo(ids.epoch() + "-1");
        assertThat(ids.parse(stamped[0].getId()).sequence()).isEqualTo(1);
        assertThat(ids.parse("nodash").problem()).isEqualTo("malformed");
        assertThat(ids.parse(ids.epoch() + "-12a").problem()).isEqualTo("malformed");
        assertThat(ids.parse(ids.epoch() + "-99999999999999999999").problem()).isEqualTo("malformed");
        assertThat(ids.parse("other123-5").problem()).isEqualTo("unknown");
        assertThat(ids.parse("x" + ids.epoch() + "-5").problem()).isEqualTo("unknown");
    }

    @Test
    void after_replaysOnlyWhatSelectsTheKey_inOrder() {
        History history = new History(ids, 60 * SECOND, 1 << 20, 0);
        history.append(to(A), event("a1"), 0);
        history.append(to(B), event("b1"), 0);
        history.append(allBut(A), event("not-a"), 0);
        history.append(new History.Selection(KeyPattern.all(), null, null), event("all"), 0);
        history.mark(0);
        history.append(to(A), event("a2"), 0);

        History.Replay replay = history.after(1, A, 0);
        assertThat(replay.resetReason()).isNull();
        assertThat(replay.events()).extracting(OutboundEvents::dataText).containsExactly("all", "a2");
        assertThat(history.after(history.latest(), A, 0).events()).isEmpty();
        assertThat(history.after(history.latest() + 1, A, 0).resetReason()).isEqualTo("unknown");
        assertThat(history.after(0, B, 0).events()).extracting(OutboundEvents::dataText)
                .containsExactly("b1", "not-a", "all");
    }

    @Test
    void anEventOlderThanTheWindow_cannotBeResumedFrom() {
        History history = new History(ids, 10 * SECOND, 1 << 20, 0);
        history.append(to(A), event("old"), 0);
        history.append(to(A), event("newer"), 8 * SECOND);
        assertThat(history.after(1, A, 9 * SECOND).resetReason()).isNull();
        assertThat(history.after(1, A, 11 * SECOND).resetReason()).isEqualTo("expired");
        assertThat(history.after(2, A, 11 * SECOND).resetReason()).isNull();
        assertThat(history.size()).isEqualTo(1);
    }

    @Test
    void theByteBound_dropsTheOldest_andAResumeFromBeforeThemIsReset() {
        long perEntry = History.ENTRY_OVERHEAD + 1;
        History history = new History(ids, 60 * SECOND, 3 * perEntry, 0);
        for (int i = 1; i <= 5; i++) {
            history.append(to(A), event(Integer.toString(i)), 0);
        }
        assertThat(history.size()).isEqualTo(3);
        assertThat(history.bytes()).isEqualTo(3 * perEntry);
        assertThat(history.after(1, A, 0).resetReason()).as("event 2 is gone").isEqualTo("expired");
        assertThat(history.after(2, A, 0).events()).as("the last one dropped is still a place to resume from")
                .extracting(OutboundEvents::dataText).containsExactly("3", "4", "5");
    }

    @Test
    void aZeroWindow_keepsNothing_andEveryResumeIsReset() {
        History history = new History(ids, 0, 1 << 20, 0);
        history.append(to(A), event("x"), 0);
        assertThat(history.size()).isZero();
        assertThat(history.after(1, A, 0).resetReason()).isEqualTo("disabled");
    }

    @Test
    void theRing_growsAndWrapsWithoutLosingOrder() {
        History history = new History(ids, 60 * SECOND, 1L << 30, 0);
        for (int i = 1; i <= 100; i++) {
            history.append(to(A), event(Integer.toString(i)), 0);
        }
        assertThat(history.after(50, A, 0).events()).extracting(OutboundEvents::dataText)
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(51, 100).mapToObj(Integer::toString)
                        .toList());
    }
}
