package dev.sfere.example.e2e;

import jakarta.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A reading client's lobby stream, consumed on a thread of its own as it comes: every {@code message} event by its
 * tag (the text up to its first space) with when it arrived, every {@code left} event, and a future per tag for a
 * test that waits for one message. Thread-safe.
 */
final class DeliveryLog implements AutoCloseable {

    /** A message that arrived: its tag, and when, in {@link System#nanoTime()}. */
    record Arrival(String tag, long arrived) {
    }

    /** A {@code left} event's data. */
    record Left(String user, String reason) {
    }

    private final SseClient stream;
    private final Thread consumer;
    private final List<Arrival> messages = new ArrayList<>();
    private final List<Left> lefts = new ArrayList<>();
    private final Map<String, CompletableFuture<Long>> awaited = new ConcurrentHashMap<>();
    private volatile boolean closed;

    DeliveryLog(SseClient stream, String label) {
        this.stream = stream;
        this.consumer = new Thread(this::consume, "delivery-log-" + label);
        consumer.setDaemon(true);
        consumer.start();
    }

    private void consume() {
        try {
            while (!closed) {
                SseClient.Event event = stream.poll(Duration.ofMillis(200));
                if (event == SseClient.END) {
                    return;
                }
                if (event == null) {
                    continue;
                }
                JsonObject data = event.name().equals("message") || event.name().equals("left")
                        ? event.json().asJsonObject() : null;
                if (event.name().equals("message")) {
                    String text = data.getString("text");
                    int space = text.indexOf(' ');
                    String tag = space < 0 ? text : text.substring(0, space);
                    synchronized (messages) {
                        messages.add(new Arrival(tag, event.arrived()));
                    }
                    arrival(tag).complete(event.arrived());
                } else if (event.name().equals("left")) {
                    synchronized (lefts) {
                        lefts.add(new Left(data.getString("user"), data.getString("reason")));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Completes with the arrival time of the (first) message with this tag. */
    CompletableFuture<Long> arrival(String tag) {
        return awaited.computeIfAbsent(tag, key -> new CompletableFuture<>());
    }

    /** The messages that arrived so far, in order. */
    List<Arrival> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** How many messages whose tag starts so have arrived. */
    int count(String prefix) {
        synchronized (messages) {
            return (int) messages.stream().filter(message -> message.tag().startsWith(prefix)).count();
        }
    }

    /** The {@code left} events so far, in order. */
    List<Left> lefts() {
        synchronized (lefts) {
            return List.copyOf(lefts);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.join(5_000);
    }
}
