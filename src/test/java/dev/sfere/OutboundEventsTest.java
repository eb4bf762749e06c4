package dev.sfere;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboundEventsTest {

    @Test
    void text_keepsNameIdAndData() {
        OutboundSseEvent event = OutboundEvents.text("message", "7", "line one\nline two");
        assertThat(event.getName()).isEqualTo("message");
        assertThat(event.getId()).isEqualTo("7");
        assertThat(OutboundEvents.dataText(event)).isEqualTo("line one\nline two");
        assertThat(event.getType()).isEqualTo(byte[].class);
        assertThat((byte[]) event.getData())
                .isEqualTo("line one\nline two".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(event.getMediaType()).isEqualTo(MediaType.TEXT_PLAIN_TYPE);
        assertThat(event.isReconnectDelaySet()).isFalse();
    }

    @Test
    void text_lineBreakInName_isRefused() {
        assertThatThrownBy(() -> OutboundEvents.text("message\nevent: forged", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event name must not contain CR or LF")
                .hasMessageContaining("message\\nevent: forged");
    }

    @Test
    void text_carriageReturnInId_isRefused() {
        assertThatThrownBy(() -> OutboundEvents.text("m", "1\r", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event id must not contain CR or LF");
    }

    @Test
    void comment_hasNoDataType_soRuntimesWriteNoDataSection() {
        OutboundSseEvent comment = OutboundEvents.comment("heartbeat");
        assertThat(comment.getComment()).isEqualTo("heartbeat");
        assertThat(comment.getData()).isNull();
        assertThat(comment.getType()).isNull();
        assertThat(comment.getGenericType()).isNull();
    }

    @Test
    void comment_lineBreak_isRefused() {
        assertThatThrownBy(() -> OutboundEvents.comment("a\ndata: forged"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("comment must not contain CR or LF");
    }

    @Test
    void text_nullData_isRefused() {
        assertThatThrownBy(() -> OutboundEvents.text("m", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event data must not be null");
    }
}
