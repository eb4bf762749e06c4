package dev.sfere.example;

import jakarta.json.Json;
import jakarta.json.stream.JsonParser;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The body of {@code POST /api/lobby/{user}/messages}: {@code {"text": "..."}}, with {@code "to": "bob"} for a
 * direct message. Anything else is refused with a 400 naming the problem.
 *
 * @param text the message, 1 to {@value #MAX_TEXT} characters
 * @param to   the one recipient, or null for everyone
 */
record MessageBody(String text, String to) {

    /** The longest text, in characters (code points). */
    static final int MAX_TEXT = 2000;

    /**
     * The most bytes read. A valid body is far smaller (2,000 characters, each at most 12 bytes when written as
     * JSON escapes, is 24,000), so a larger one is refused without being read to the end.
     */
    static final int MAX_BYTES = 32 * 1024;

    /**
     * Reads and checks a body.
     *
     * @param declaredLength the request's Content-Length header, or null
     * @param in             the body
     * @throws BadRequestException with a JSON error answer, if the body is not the JSON described
     */
    static MessageBody read(String declaredLength, InputStream in) {
        if (declaredLength != null && isLarger(declaredLength)) {
            throw bad("the body is larger than " + MAX_BYTES + " bytes");
        }
        byte[] bytes;
        try {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > MAX_BYTES) {
            throw bad("the body is larger than " + MAX_BYTES + " bytes");
        }
        return parse(utf8(bytes));
    }

    private static boolean isLarger(String declaredLength) {
        try {
            return Long.parseLong(declaredLength.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("the body is not UTF-8");
        }
    }

    private static MessageBody parse(String json) {
        String text = null;
        String to = null;
        try (JsonParser parser = Json.createParser(new StringReader(json))) {
            if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
                throw bad("the body must be a JSON object such as {\"text\": \"hi\"}");
            }
            for (JsonParser.Event event = parser.next(); event != JsonParser.Event.END_OBJECT; event = parser.next()) {
                String name = parser.getString();
                JsonParser.Event value = parser.next();
                switch (name) {
                    case "text" -> text = string(parser, value, "text");
                    case "to" -> to = value == JsonParser.Event.VALUE_NULL ? null : string(parser, value, "to");
                    default -> skip(parser, value);
                }
            }
            if (parser.hasNext()) {
                throw bad("the body has more after its JSON object");
            }
        } catch (BadRequestException e) {
            throw e;
        } catch (RuntimeException e) {
            // Parsson reports bad input with JsonException, NoSuchElementException, and for nesting deeper than
            // 1,000 a plain RuntimeException. The input is at most MAX_BYTES, so any failure here is the body's.
            throw bad("the body is not valid JSON");
        }
        return checked(text, to);
    }

    private static String string(JsonParser parser, JsonParser.Event value, String name) {
        if (value != JsonParser.Event.VALUE_STRING) {
            throw bad("\"" + name + "\" must be a string");
        }
        return parser.getString();
    }

    /**
     * Skips a member the lobby does not use. Counted by hand: Parsson's own skipArray and skipObject spin for ever
     * on a body that ends inside the skipped value.
     */
    private static void skip(JsonParser parser, JsonParser.Event value) {
        int depth = value == JsonParser.Event.START_OBJECT || value == JsonParser.Event.START_ARRAY ? 1 : 0;
        while (depth > 0) {
            switch (parser.next()) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                default -> {
                }
            }
        }
    }

    private static MessageBody checked(String text, String to) {
        if (text == null) {
            throw bad("the body needs \"text\", for example {\"text\": \"hi\"}");
        }
        if (text.isBlank()) {
            throw bad("\"text\" must not be blank");
        }
        if (text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw bad("\"text\" is longer than " + MAX_TEXT + " characters");
        }
        if (to != null) {
            String problem = Lobby.nameProblem("\"to\"", to);
            if (problem != null) {
                throw bad(problem);
            }
        }
        return new MessageBody(text, to);
    }

    private static BadRequestException bad(String message) {
        return new BadRequestException(Lobby.error(Response.Status.BAD_REQUEST, message));
    }
}
