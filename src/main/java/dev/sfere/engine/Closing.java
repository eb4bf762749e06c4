package dev.sfere.engine;

/**
 * The close of a removed stream, handed to the delivery threads; recognised among the tasks they leave at shutdown,
 * so that the stream is closed then.
 *
 * @param stream the stream
 */
record Closing(Stream stream) implements Runnable {
    @Override
    public void run() {
        stream.close();
    }
}
