package dev.sfere.cluster;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The message an instance publishes for the others: who sent it, which keys it is for, which to leave out, and the
 * events. Binary and versioned; strings are UTF-8 with a length, so any legal key part or event text survives.
 *
 * <p>Events travel as their name, id, comment and data as text: bytes (as
 * {@link OutboundEvents} makes them) and strings as they are, any other object as the caller's encoder gives it
 * (JSON in the library); a reconnect delay and a media type are not carried. The receiving instance rebuilds the
 * events with {@link OutboundEvents}.
 *
 * <p>A {@link Cluster.Notice} travels as a message of its own version, with the origin, its kind, its key and its
 * value, and no events.
 */
final class WireFormat {

    private static final int VERSION = 1;
    private static final int NOTICE = 2;
    private static final Cluster.Notice.Kind[] KINDS = Cluster.Notice.Kind.values();

    /**
     * A decoded message. {@code excludeKeys} and {@code excludePattern} are null when absent; {@code notice} is null
     * for events, and a notice's {@link Cluster.Notice#own()} is false.
     */
    record Message(String origin, KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                   OutboundSseEvent[] events, Cluster.Notice notice) {
    }

    static byte[] encode(String origin, Cluster.Notice notice) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(NOTICE);
            string(out, origin);
            out.writeByte(notice.kind().ordinal());
            ConnectionKey key = notice.key();
            string(out, key == null ? null : key.scope());
            string(out, key == null ? null : key.category());
            string(out, key == null ? null : key.id());
            string(out, notice.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Message notice(DataInputStream in) throws IOException {
        String origin = string(in);
        int kind = in.readUnsignedByte();
        if (kind >= KINDS.length) {
            throw new IllegalArgumentException("unknown notice " + kind);
        }
        String scope = string(in);
        String category = string(in);
        String id = string(in);
        ConnectionKey key = scope == null ? null : ConnectionKey.of(scope, category, id);
        return new Message(origin, KeyPattern.all(), null, null, new OutboundSseEvent[0],
                new Cluster.Notice(KINDS[kind], key, string(in), false));
    }

    private WireFormat() {
    }

    static byte[] encode(String origin, KeyPattern pattern, Set<ConnectionKey> excludeKeys, KeyPattern excludePattern,
                         OutboundSseEvent[] events, Function<Object, String> encoder) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            string(out, origin);
            pattern(out, pattern);
            if (excludeKeys != null) {
                out.writeByte(1);
                out.writeInt(excludeKeys.size());
                for (ConnectionKey key : excludeKeys) {
                    string(out, key.scope());
                    string(out, key.category());
                    string(out, key.id());
                }
            } else if (excludePattern != null) {
                out.writeByte(2);
                pattern(out, excludePattern);
            } else {
                out.writeByte(0);
            }
            out.writeInt(events.length);
            for (OutboundSseEvent event : events) {
                string(out, event.getName());
                string(out, event.getId());
                string(out, event.getComment());
                Object data = event.getData();
                string(out, data == null ? null : data instanceof byte[] raw
                        ? new String(raw, StandardCharsets.UTF_8)
                        : data instanceof CharSequence text ? text.toString() : encoder.apply(data));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a message.
     *
     * @throws IllegalArgumentException if the bytes are not a message of this version
     */
    static Message decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readUnsignedByte();
            if (version == NOTICE) {
                return notice(in);
            }
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown message version " + version);
            }
            String origin = string(in);
            KeyPattern pattern = pattern(in);
            Set<ConnectionKey> excludeKeys = null;
            KeyPattern excludePattern = null;
            int exclusion = in.readUnsignedByte();
            if (exclusion == 1) {
                int count = in.readInt();
                excludeKeys = new LinkedHashSet<>();
                for (int i = 0; i < count; i++) {
                    excludeKeys.add(ConnectionKey.of(string(in), string(in), string(in)));
                }
            } else if (exclusion == 2) {
                excludePattern = pattern(in);
            } else if (exclusion != 0) {
                throw new IllegalArgumentException("unknown exclusion " + exclusion);
            }
            OutboundSseEvent[] events = new OutboundSseEvent[in.readInt()];
            for (int i = 0; i < events.length; i++) {
                String name = string(in);
                String id = string(in);
                String comment = string(in);
                String data = string(in);
                events[i] = data == null && comment != null ? OutboundEvents.comment(comment)
                        : OutboundEvents.text(name, id, data == null ? "" : data);
            }
            return new Message(origin, pattern, excludeKeys, excludePattern, events, null);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a message: " + e.getMessage(), e);
        }
    }

    private static void pattern(DataOutputStream out, KeyPattern pattern) throws IOException {
        string(out, literal(pattern.scope()));
        string(out, literal(pattern.category()));
        string(out, literal(pattern.id()));
    }

    private static String literal(KeyPattern.Segment segment) {
        return segment instanceof KeyPattern.Literal literal ? literal.value() : null;
    }

    private static KeyPattern pattern(DataInputStream in) throws IOException {
        KeyPattern pattern = KeyPattern.all();
        String scope = string(in);
        String category = string(in);
        String id = string(in);
        if (scope != null) {
            pattern = pattern.withScope(scope);
        }
        if (category != null) {
            pattern = pattern.withCategory(category);
        }
        if (id != null) {
            pattern = pattern.withId(id);
        }
        return pattern;
    }

    private static void string(DataOutputStream out, String text) throws IOException {
        if (text == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String string(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        if (length > in.available()) {
            throw new IOException("a string of " + length + " bytes in a shorter message");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
