package dev.sfere.it;

import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.sse.InboundSseEvent;
import jakarta.ws.rs.sse.SseEventSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Jersey's SSE client, keeping the named events it receives (heartbeat comments are left out). */
final class SseClient implements AutoCloseable {

    /** One received event. */
    record Received(String name, String data) {
    }

    private final SseEventSource source;
    private final List<Received> events = new CopyOnWriteArrayList<>();
    private volatile boolean completed;

    private SseClient(WebTarget target) {
        source = SseEventSource.target(target).reconnectingEvery(1, TimeUnit.HOURS).build();
        source.register(this::onEvent, error -> completed = true, () -> completed = true);
        source.open();
    }

    static SseClient open(WebTarget target) {
        return new SseClient(target);
    }

    private void onEvent(InboundSseEvent event) {
        if (event.getName() != null || !event.isEmpty()) {
            events.add(new Received(event.getName(), event.readData()));
        }
    }

    List<Received> events() {
        return List.copyOf(events);
    }

    List<String> data(String name) {
        return events.stream().filter(e -> name.equals(e.name())).map(Received::data).collect(Collectors.toList());
    }

    /** Waits for an event with this name and data. */
    void await(String name, String data) {
        Poll.until(Duration.ofSeconds(10), "event " + name + " " + data + " among " + events,
                () -> events.contains(new Received(name, data)));
    }

    boolean isCompleted() {
        return completed;
    }

    @Override
    public void close() {
        source.close(1, TimeUnit.SECONDS);
    }
}
