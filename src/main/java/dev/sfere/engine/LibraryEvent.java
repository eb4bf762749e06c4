package dev.sfere.engine;

import dev.sfere.EvictionCause;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The events the library writes of its own accord: {@code sfere-reset} and {@code sfere-close}.
 *
 * @param name    the event name, or null for a comment
 * @param id      the id, or null
 * @param comment the comment, or null
 * @param retry   the reconnection delay in milliseconds, or -1 for none
 * @param data    the data, UTF-8, or null
 */
record LibraryEvent(String name, String id, String comment, long retry, byte[] data) implements Retrying {

    /** The name of the event that tells a client its missed events could not be replayed. */
    static final String RESET = "sfere-reset";
    /** The name of the last event on a stream the library ended on purpose. */
    static final String CLOSE = "sfere-close";

    /** {@code sfere-reset}: {@code {"reason":"..."}}; the reason is one of the library's own words. */
    static LibraryEvent reset(String id, String reason) {
        return new LibraryEvent(RESET, id, null, -1, json("reason", reason));
    }

    /** {@code sfere-close}: {@code {"cause":"explicit"}}, {@code "replaced"} or {@code "size"}. */
    static LibraryEvent close(String id, EvictionCause cause) {
        return new LibraryEvent(CLOSE, id, null, -1, json("cause", cause.name().toLowerCase(Locale.ROOT)));
    }

    @Override
    public LibraryEvent withRetry(long millis) {
        return new LibraryEvent(name, id, comment, millis, data);
    }

    private static byte[] json(String field, String word) {
        // The word is the library's own lower-case letters: nothing in it needs escaping.
        return ("{\"" + field + "\":\"" + word + "\"}").getBytes(StandardCharsets.UTF_8);
    }

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
        return retry;
    }

    @Override
    public boolean isReconnectDelaySet() {
        return retry >= 0;
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
        return data == null ? null : byte[].class;
    }

    @Override
    public Type getGenericType() {
        return getType();
    }

    @Override
    public MediaType getMediaType() {
        return MediaType.TEXT_PLAIN_TYPE;
    }

    @Override
    public String toString() {
        return "LibraryEvent[name=" + name + ", id=" + id + ", comment=" + comment + ", retry=" + retry + ", data="
                + (data == null ? null : new String(data, StandardCharsets.UTF_8)) + "]";
    }
}
