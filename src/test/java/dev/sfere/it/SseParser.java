package dev.sfere.it;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads an HTTP/1.1 answer to an SSE request byte by byte: the status line, the headers, chunked transfer coding or
 * a plain body, and the SSE lines inside, handing what it finds to a {@link Listener}. Shared by the test clients, so
 * that there is one reading of the wire format. Not thread-safe: one thread feeds it.
 */
final class SseParser {

    /** What the parser found, in the order it came. Called on the thread that feeds the parser. */
    interface Listener {

        /** The status line's code. */
        void status(int code);

        /** A dispatched event: its name ({@code message} when the stream named none) and its data lines joined. */
        void event(String name, String data);

        /**
         * An event, with the last event id as an {@code EventSource} holds it when the event is dispatched (the id of
         * this event, or of the last one before it that had one); by default, {@link #event(String, String)}.
         */
        default void event(String name, String data, String lastEventId) {
            event(name, data);
        }

        /** A {@code retry:} field, in milliseconds. */
        default void retry(long millis) {
        }

        /** A comment line, without the colon and one space after it. */
        void comment(String text);

        /** The last (zero-length) chunk: the server ended the response. */
        void lastChunk();
    }

    private enum State { HEADERS, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, RAW_BODY, DONE }

    private final Listener listener;
    private State state = State.HEADERS;
    private boolean statusSeen;
    private boolean chunked;
    private boolean eventStream;
    private int chunkLeft;
    private byte[] line = new byte[64];
    private int lineLength;
    private byte[] sseLine = new byte[64];
    private int sseLength;
    private String eventName;
    private String eventData;

    SseParser(Listener listener) {
        this.listener = listener;
    }

    void feed(byte b) {
        switch (state) {
            case HEADERS -> {
                if (appendLine(b)) {
                    header(takeLine());
                }
            }
            case CHUNK_SIZE -> {
                if (appendLine(b)) {
                    String size = takeLine();
                    int semicolon = size.indexOf(';');
                    int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0) {
                        state = State.DONE;
                        listener.lastChunk();
                    } else {
                        chunkLeft = n;
                        state = State.CHUNK_DATA;
                    }
                }
            }
            case CHUNK_DATA -> {
                body(b);
                if (--chunkLeft == 0) {
                    state = State.CHUNK_END;
                }
            }
            case CHUNK_END -> {
                if (b == '\n') {
                    state = State.CHUNK_SIZE;
                }
            }
            case RAW_BODY -> body(b);
            default -> {
                // After the last chunk: nothing more is expected.
            }
        }
    }

    private boolean appendLine(byte b) {
        if (b == '\n') {
            return true;
        }
        if (lineLength == line.length) {
            line = Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = b;
        return false;
    }

    private String takeLine() {
        int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        String text = new String(line, 0, end, StandardCharsets.UTF_8);
        lineLength = 0;
        return text;
    }

    private void header(String text) {
        if (!statusSeen) {
            statusSeen = true;
            listener.status(Integer.parseInt(text.split(" ")[1]));
            return;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
            chunked = true;
        } else if (lower.startsWith("content-type:") && lower.contains("text/event-stream")) {
            eventStream = true;
        } else if (text.isEmpty()) {
            state = chunked ? State.CHUNK_SIZE : State.RAW_BODY;
        }
    }

    private void body(byte b) {
        if (!eventStream) {
            return;
        }
        if (b != '\n') {
            if (sseLength == sseLine.length) {
                sseLine = Arrays.copyOf(sseLine, sseLine.length * 2);
            }
            sseLine[sseLength++] = b;
            return;
        }
        int end = sseLength > 0 && sseLine[sseLength - 1] == '\r' ? sseLength - 1 : sseLength;
        String text = new String(sseLine, 0, end, StandardCharsets.UTF_8);
        sseLength = 0;
        if (text.isEmpty()) {
            dispatch();
        } else if (text.startsWith(":")) {
            listener.comment(value(text, 1));
        } else if (text.startsWith("event:")) {
            eventName = value(text, 6);
        } else if (text.startsWith("id:")) {
            lastEventId = value(text, 3);
        } else if (text.startsWith("retry:")) {
            listener.retry(Long.parseLong(value(text, 6).trim()));
        } else if (text.startsWith("data:")) {
            String data = value(text, 5);
            eventData = eventData == null ? data : eventData + "\n" + data;
        }
    }

    private static String value(String line, int from) {
        return line.startsWith(" ", from) ? line.substring(from + 1) : line.substring(from);
    }

    /** The last event id, kept across events as {@code EventSource} keeps it. */
    private String lastEventId;

    private void dispatch() {
        String name = eventName == null ? "message" : eventName;
        String data = eventData;
        eventName = null;
        eventData = null;
        if (data != null) {
            listener.event(name, data, lastEventId);
        }
    }
}
