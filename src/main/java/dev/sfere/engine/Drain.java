package dev.sfere.engine;

/**
 * The task that writes a stream's queue, handed to the delivery threads; recognised among the tasks they leave at
 * shutdown, so that a stream whose last writes never ran is still closed. It tells the telemetry how long the queue
 * waited for a thread, how deep it was and how much was written.
 *
 * @param stream the stream
 */
record Drain(Stream stream) implements Runnable {
    @Override
    public void run() {
        long waited = System.nanoTime() - stream.scheduledNanos;
        int depth = stream.queued();
        int written = stream.drain();
        stream.telemetry.drained(depth, waited, written);
    }
}
