package dev.sfere.engine;

/**
 * The task that writes a stream's queue, handed to the delivery threads; recognised among the tasks they leave at
 * shutdown, so that a stream whose last writes never ran is still closed.
 *
 * @param stream the stream
 */
record Drain(Stream stream) implements Runnable {
    @Override
    public void run() {
        stream.drain();
    }
}
