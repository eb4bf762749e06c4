package dev.sfere.it;

/** One event a test client received: its name ({@code message} when the stream named none) and its data. */
record SseEvent(String name, String data) {
}
