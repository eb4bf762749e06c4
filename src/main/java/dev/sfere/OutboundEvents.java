package dev.sfere;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Builds {@link OutboundSseEvent}s without needing the runtime's {@link jakarta.ws.rs.sse.Sse}, so events can be
 * made anywhere: in a scheduled job, a message listener or an observer. The data is encoded to UTF-8 once, when the
 * event is made, and handed to the runtime as {@code byte[]} (media type {@code text/plain}): the runtime copies the
 * bytes to each stream instead of encoding the text again for every stream that receives the event.
 * {@link #dataText(OutboundSseEvent)} gives the text back.
 *
 * <p>Names, ids and comments may not contain CR or LF: in the SSE wire format those would end the field and could
 * start a forged one. Data may contain line breaks (CR, LF or CRLF); the runtime writes one {@code data:} line per
 * line and the client joins them back with LF, so no text in the data can start a field or an event of its own. One
 * runtime differs: Open Liberty (RESTEasy) writes a run of line breaks as one, so empty lines and a trailing line
 * break are lost there ({@code "a\n\nb"} arrives as {@code "a\nb"}). Encode the text (as JSON, for example) if
 * those matter.
 */
public final class OutboundEvents {

    private OutboundEvents() {
    }

    /**
     * An event with a name and text data.
     *
     * @param name the event name (the {@code event:} field), or null for the default {@code message}
     * @param data the data
     * @return the event
     * @throws IllegalArgumentException if the name contains CR or LF, or the data is null
     */
    public static OutboundSseEvent text(String name, String data) {
        return text(name, null, data);
    }

    /**
     * An event with a name, an id and text data.
     *
     * @param name the event name, or null
     * @param id   the event id (the {@code id:} field), or null
     * @param data the data
     * @return the event
     * @throws IllegalArgumentException if the name or id contains CR or LF, or the data is null
     */
    public static OutboundSseEvent text(String name, String id, String data) {
        if (data == null) {
            throw new IllegalArgumentException("event data must not be null");
        }
        return new TextEvent(singleLine("event name", name), singleLine("event id", id), null,
                data.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A comment: a line the client's {@code EventSource} ignores, used to keep streams alive and find dead ones.
     *
     * @param comment the comment text
     * @return the event
     * @throws IllegalArgumentException if the comment contains CR or LF
     */
    public static OutboundSseEvent comment(String comment) {
        return new TextEvent(null, null, Objects.requireNonNull(singleLine("comment", comment), "comment"), null);
    }

    /**
     * The data of an event as text: decoded from UTF-8 for an event made here, as it is for text data, and null for
     * a comment or an event without data. Handy in tests that capture events.
     *
     * @param event the event
     * @return the text, or null
     * @throws IllegalArgumentException if the data is neither text nor bytes
     */
    public static String dataText(OutboundSseEvent event) {
        Object data = Objects.requireNonNull(event, "event").getData();
        if (data == null || data instanceof String) {
            return (String) data;
        }
        if (data instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("the event's data is neither text nor bytes: " + data.getClass().getName());
    }

    private static String singleLine(String what, String value) {
        if (value != null && (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0)) {
            throw new IllegalArgumentException(what + " must not contain CR or LF, got \""
                    + value.replace("\r", "\\r").replace("\n", "\\n") + "\"");
        }
        return value;
    }

    /** An event whose data, if any, is text encoded once. Never changed after it is made, so shared freely. */
    private record TextEvent(String name, String id, String comment, byte[] data) implements OutboundSseEvent {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public long getReconnectDelay() {
            return -1;
        }

        @Override
        public boolean isReconnectDelaySet() {
            return false;
        }

        @Override
        public String getComment() {
            return comment;
        }

        @Override
        public Object getData() {
            return data;
        }

        @Override
        public Class<?> getType() {
            // No type for a comment: runtimes write a data section whenever a type is set.
            return data == null ? null : byte[].class;
        }

        @Override
        public Type getGenericType() {
            return getType();
        }

        @Override
        public MediaType getMediaType() {
            // Text even for JSON: the data is encoded already, and a JSON writer would quote it a second time.
            return MediaType.TEXT_PLAIN_TYPE;
        }

        @Override
        public String toString() {
            return "OutboundEvent[name=" + name + ", id=" + id + ", comment=" + comment + ", data="
                    + (data == null ? null : new String(data, StandardCharsets.UTF_8)) + "]";
        }
    }
}
