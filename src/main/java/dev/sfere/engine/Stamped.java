package dev.sfere.engine;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.lang.reflect.Type;

/**
 * An application's event with the library's id on it: made once per event delivered, and shared by every stream
 * that receives it and by the history. Everything but the id comes from the application's event; an id of the
 * application's own is replaced (see {@link Engine}). The library's own events ({@link LibraryEvent}) are stamped
 * the same way, with no place in the history.
 *
 * @param event    the application's event
 * @param sequence its place in the history, or -1 for an event of the library's own
 * @param id       the id written on the wire
 * @param retry    a reconnection delay in milliseconds to write with it, or -1 for the application's own
 */
record Stamped(OutboundSseEvent event, long sequence, String id, long retry) implements OutboundSseEvent {

    Stamped(OutboundSseEvent event, long sequence, String id) {
        this(event, sequence, id, -1);
    }

    /** This event, carrying a reconnection delay: the first event written on each stream. */
    Stamped withRetry(long millis) {
        return new Stamped(event, sequence, id, millis);
    }

    /**
     * Warns, once per flag, that an application's event had an id of its own, which the library replaces.
     *
     * @param events the application's events
     * @param warned set once the warning was logged
     */
    static void warnOfOwnIds(OutboundSseEvent[] events, java.util.concurrent.atomic.AtomicBoolean warned) {
        for (OutboundSseEvent event : events) {
            if (event.getId() != null && !(event instanceof Stamped) && warned.compareAndSet(false, true)) {
                java.util.logging.Logger.getLogger(Sequencer.class.getName()).warning(() -> "Sfere: an event was sent"
                        + " with an id of its own (\"" + event.getId() + "\"); the library writes its own ids, which"
                        + " clients echo to resume, so that id is replaced. Put the application's id in the data"
                        + " instead. Logged once");
            }
        }
    }

    @Override
    public String getName() {
        return event.getName();
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public long getReconnectDelay() {
        return retry >= 0 ? retry : event.getReconnectDelay();
    }

    @Override
    public boolean isReconnectDelaySet() {
        return retry >= 0 || event.isReconnectDelaySet();
    }

    @Override
    public String getComment() {
        return event.getComment();
    }

    @Override
    public Object getData() {
        return event.getData();
    }

    @Override
    public Class<?> getType() {
        return event.getType();
    }

    @Override
    public Type getGenericType() {
        return event.getGenericType();
    }

    @Override
    public MediaType getMediaType() {
        return event.getMediaType();
    }
}
