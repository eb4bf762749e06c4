package dev.sfere.cluster;

import dev.sfere.ConnectionKey;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Writes a key so that NATS accepts it both as a KV key and as subject tokens, and reads it back. Letters, digits
 * and {@code -} stay as they are; every other UTF-8 byte becomes {@code _} and two lowercase hex digits. A part whose
 * text that way would be longer than {@value #LONGEST_READABLE} characters (a long part in a script other than
 * Latin: up to 9 characters each) is written instead as {@code =} and the unpadded base64url form of its UTF-8 bytes,
 * at most 1,025 characters for a part of 256, so that every legal key stays well under the 4,096 characters NATS
 * accepts in a protocol line. The three parts are joined with {@code .}, which an encoded part never contains, so
 * parts cannot run into each other and an empty token can never appear (key parts are never empty).
 */
final class KeyCodec {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** The longest part written readably; every part of plain ASCII is, even one made only of escaped bytes. */
    static final int LONGEST_READABLE = 3 * 256;
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private KeyCodec() {
    }

    static String encode(ConnectionKey key) {
        return part(key.scope()) + "." + part(key.category()) + "." + part(key.id());
    }

    static String part(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : utf8) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                out.append((char) c);
            } else {
                out.append('_').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.length() <= LONGEST_READABLE ? out.toString() : "=" + BASE64.encodeToString(utf8);
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
        if (part.startsWith("=")) {
            try {
                return new String(Base64.getUrlDecoder().decode(part.substring(1)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an encoded key part: " + part, e);
            }
        }
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
