package dev.sfere.cluster;

import dev.sfere.ConnectionKey;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a key so that NATS accepts it both as a KV key and as subject tokens, and reads it back. Letters, digits
 * and {@code -} stay as they are; every other UTF-8 byte becomes {@code _} and two lowercase hex digits. The three
 * parts are joined with {@code .}, which an encoded part never contains, so parts cannot run into each other and an
 * empty token can never appear (key parts are never empty).
 */
final class KeyCodec {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private KeyCodec() {
    }

    static String encode(ConnectionKey key) {
        return part(key.scope()) + "." + part(key.category()) + "." + part(key.id());
    }

    static String part(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                out.append((char) c);
            } else {
                out.append('_').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /**
     * Reads a key written by {@link #encode}.
     *
     * @throws IllegalArgumentException if the text is not such a key
     */
    static ConnectionKey decode(String encoded) {
        String[] parts = encoded.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not an encoded key: " + encoded);
        }
        return ConnectionKey.of(decodePart(parts[0]), decodePart(parts[1]), decodePart(parts[2]));
    }

    private static String decodePart(String part) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '_') {
                if (i + 2 >= part.length()) {
                    throw new IllegalArgumentException("not an encoded key part: " + part);
                }
                bytes.write(Integer.parseInt(part, i + 1, i + 3, 16));
                i += 2;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                bytes.write(c);
            } else {
                throw new IllegalArgumentException("not an encoded key part: " + part);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
