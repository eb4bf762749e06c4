package dev.sfere.example.e2e;

import jakarta.json.Json;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks shared by the lobby's end-to-end tests on one instance and on two. */
final class LobbyAsserts {

    /** How long a stream may take to deliver the next event. */
    static final Duration EVENT_TIMEOUT = Duration.ofSeconds(10);

    private LobbyAsserts() {
    }

    /** The next event on the stream has this name and this JSON data. */
    static void expect(SseClient stream, String name, String json) throws InterruptedException {
        SseClient.Event event = stream.next(EVENT_TIMEOUT);
        assertEquals(name, event.name(), "event name; data " + event.data());
        assertEquals(parse(json), event.json(), "data of " + name);
    }

    /** The next event on the stream has this name. */
    static void expectName(SseClient stream, String name) throws InterruptedException {
        SseClient.Event event = stream.next(EVENT_TIMEOUT);
        assertEquals(name, event.name(), "event name; data " + event.data());
    }

    static void assertStatus(int status, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), () -> response.request().method() + " "
                + response.request().uri() + " answered " + response.body());
    }

    static JsonValue parse(String json) {
        return Json.createReader(new StringReader(json)).readValue();
    }
}
