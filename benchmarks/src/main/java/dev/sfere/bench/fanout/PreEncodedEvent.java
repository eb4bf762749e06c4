package dev.sfere.bench.fanout;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * A prototype of a proposed library change, measured here without touching the library: an event whose data is
 * encoded to UTF-8 once, as {@code byte[]}, so the runtime's byte-array writer copies it to each stream instead of
 * running a fresh charset encoder (with its 8 KiB buffer) per stream, as it does for {@code String} data.
 */
record PreEncodedEvent(String name, byte[] data) implements OutboundSseEvent {

    static PreEncodedEvent of(String name, String data) {
        return new PreEncodedEvent(name, data.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getId() {
        return null;
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
        return null;
    }

    @Override
    public Object getData() {
        return data;
    }

    @Override
    public Class<?> getType() {
        return byte[].class;
    }

    @Override
    public Type getGenericType() {
        return byte[].class;
    }

    @Override
    public MediaType getMediaType() {
        return MediaType.TEXT_PLAIN_TYPE;
    }
}
