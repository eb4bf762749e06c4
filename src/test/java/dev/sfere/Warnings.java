package dev.sfere;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * For tests: the WARNING and SEVERE records one class's logger writes while this is open. Use in a
 * try-with-resources block.
 */
public final class Warnings extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private Warnings(Logger logger) {
        this.logger = logger;
        logger.addHandler(this);
    }

    /** Starts recording what the logger named after a class warns of. */
    public static Warnings of(Class<?> source) {
        return new Warnings(Logger.getLogger(source.getName()));
    }

    /** The records so far, oldest first. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            records.add(record);
        }
    }

    @Override
    public void flush() {
    }

    /** Stops recording. */
    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
