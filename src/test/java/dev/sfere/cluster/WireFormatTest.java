package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The message between instances: what goes in comes out. */
class WireFormatTest {

    private static final KeyPattern LOBBY = KeyPattern.all().withCategory("lobby");

    @Test
    void broadcastWithExcludedKeys_roundTrips() {
        Set<ConnectionKey> exclude = Set.of(ConnectionKey.of("s", "lobby", "*"), ConnectionKey.of("s", "lobby", "é"));
        OutboundSseEvent[] events = {OutboundEvents.text("message", "7", "line one\nline two"),
                OutboundEvents.comment("ping")};
        WireFormat.Message message = WireFormat.decode(
                WireFormat.encode("instance-a", LOBBY, exclude, null, events, Object::toString));

        assertThat(message.origin()).isEqualTo("instance-a");
        assertThat(message.pattern()).isEqualTo(LOBBY);
        assertThat(message.excludeKeys()).isEqualTo(exclude);
        assertThat(message.excludePattern()).isNull();
        assertThat(message.events()).hasSize(2);
        assertThat(message.events()[0].getName()).isEqualTo("message");
        assertThat(message.events()[0].getId()).isEqualTo("7");
        assertThat(OutboundEvents.dataText(message.events()[0])).isEqualTo("line one\nline two");
        assertThat(message.events()[1].getComment()).isEqualTo("ping");
        assertThat(message.events()[1].getData()).isNull();
    }

    @Test
    void excludedPattern_andLiteralStar_roundTrip() {
        KeyPattern star = KeyPattern.all().withId("*");
        WireFormat.Message message = WireFormat.decode(WireFormat.encode("b", star, null, LOBBY,
                new OutboundSseEvent[] {OutboundEvents.text(null, "x")}, Object::toString));
        assertThat(message.pattern()).isEqualTo(star);
        assertThat(message.pattern().id()).isEqualTo(KeyPattern.literal("*"));
        assertThat(message.excludePattern()).isEqualTo(LOBBY);
        assertThat(message.excludeKeys()).isNull();
        assertThat(message.events()[0].getName()).isNull();
    }

    @Test
    void dataThatIsNeitherTextNorBytes_goesThroughTheEncoder() {
        OutboundSseEvent custom = new TestEvent(Map.of("n", 1));
        WireFormat.Message message = WireFormat.decode(WireFormat.encode("c", KeyPattern.all(), null, null,
                new OutboundSseEvent[] {custom}, data -> "{\"n\":1}"));
        assertThat(OutboundEvents.dataText(message.events()[0])).isEqualTo("{\"n\":1}");
    }

    @Test
    void foreignOrTruncatedBytes_areRefused() {
        byte[] good = WireFormat.encode("d", KeyPattern.all(), null, null,
                new OutboundSseEvent[] {OutboundEvents.text("n", "data")}, Object::toString);
        assertThatThrownBy(() -> WireFormat.decode(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WireFormat.decode("hello".getBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    }

    /** An event built elsewhere, with an object as data. */
    private record TestEvent(Object data) implements OutboundSseEvent {
        @Override public String getName() { return "custom"; }
        @Override public String getId() { return null; }
        @Override public long getReconnectDelay() { return -1; }
        @Override public boolean isReconnectDelaySet() { return false; }
        @Override public String getComment() { return null; }
        @Override public Object getData() { return data; }
        @Override public Class<?> getType() { return Map.class; }
        @Override public java.lang.reflect.Type getGenericType() { return Map.class; }
        @Override public jakarta.ws.rs.core.MediaType getMediaType() { return jakarta.ws.rs.core.MediaType.APPLICATION_JSON_TYPE; }
    }

    @Test
    void notices_roundTrip_withOrWithoutAKey_andCarryNoEvents() {
        ConnectionKey key = ConnectionKey.of("s", "lobby", "a.b é");
        WireFormat.Message claimed = WireFormat.decode(WireFormat.encode("instance-a",
                new Cluster.Notice(Cluster.Notice.Kind.CLAIMED, key, "42", true)));
        assertThat(claimed.origin()).isEqualTo("instance-a");
        assertThat(claimed.events()).isEmpty();
        assertThat(claimed.notice()).as("own is the receiver's to set")
                .isEqualTo(new Cluster.Notice(Cluster.Notice.Kind.CLAIMED, key, "42", false));
        WireFormat.Message lost = WireFormat.decode(WireFormat.encode("instance-b",
                new Cluster.Notice(Cluster.Notice.Kind.LOST, null, null, false)));
        assertThat(lost.notice()).isEqualTo(new Cluster.Notice(Cluster.Notice.Kind.LOST, null, null, false));
        assertThat(WireFormat.decode(WireFormat.encode("c", KeyPattern.all(), null, null,
                new OutboundSseEvent[0], Object::toString)).notice()).isNull();
    }
}
