package dev.sfere.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Messages held while the log cannot be reached: dropped beyond the limit, never silently. */
class HeldMessagesTest {

    private static HeldMessages.Held message(int n) {
        return new HeldMessages.Held("m" + n, new byte[] {(byte) n}, 1, false);
    }

    private int lostMade;

    private HeldMessages.Held lost() {
        lostMade++;
        return new HeldMessages.Held("lost" + lostMade, new byte[0], 0, true);
    }

    @Test
    void withinTheLimit_nothingIsDropped_andNoLostNoticeIsHeld() {
        HeldMessages held = new HeldMessages(3);
        for (int i = 1; i <= 3; i++) {
            assertThat(held.add(message(i), this::lost)).isEmpty();
        }
        assertThat(held.takeAll()).extracting(HeldMessages.Held::id).containsExactly("m1", "m2", "m3");
        assertThat(lostMade).isZero();
    }

    @Test
    void beyondTheLimit_theOldestGo_andOneLostNoticeGoesFirst_neverDropped() {
        HeldMessages held = new HeldMessages(3);
        for (int i = 1; i <= 3; i++) {
            held.add(message(i), this::lost);
        }
        assertThat(held.add(message(4), this::lost)).extracting(HeldMessages.Held::id).containsExactly("m1");
        assertThat(held.add(message(5), this::lost)).extracting(HeldMessages.Held::id).containsExactly("m2");
        List<HeldMessages.Held> all = held.takeAll();
        assertThat(all).extracting(HeldMessages.Held::id).containsExactly("lost1", "m3", "m4", "m5");
        assertThat(lostMade).as("one notice for every drop until they are published").isEqualTo(1);
        assertThat(held.size()).isZero();
    }

    @Test
    void aLostNoticeWhosePublishFailed_isHeldAgain_first_once() {
        HeldMessages held = new HeldMessages(2);
        held.add(message(1), this::lost);
        HeldMessages.Held notice = lost();
        held.add(notice, this::lost);
        held.add(notice, this::lost);
        held.add(message(2), this::lost);
        assertThat(held.takeAll()).extracting(HeldMessages.Held::id).containsExactly("lost1", "m1", "m2");
    }
}
