package dev.sfere.engine;

import dev.sfere.EvictionCause;
import dev.sfere.OutboundEvents;

import java.util.Locale;

/**
 * The events the library writes of its own accord: {@code sfere-reset} and {@code sfere-close}. They are text events
 * made as an application's are, carrying the library's id as a {@link Stamped} with no place in the history.
 */
final class LibraryEvent {

    /** The name of the event that tells a client its missed events could not be replayed. */
    static final String RESET = "sfere-reset";
    /** The name of the last event on a stream the library ended on purpose. */
    static final String CLOSE = "sfere-close";

    private LibraryEvent() {
    }

    /** {@code sfere-reset}: {@code {"reason":"..."}}; the reason is one of the library's own words. */
    static Stamped reset(String id, String reason) {
        return own(RESET, id, "reason", reason);
    }

    /** {@code sfere-close}: {@code {"cause":"explicit"}}, {@code "replaced"} or {@code "size"}. */
    static Stamped close(String id, EvictionCause cause) {
        return own(CLOSE, id, "cause", cause.name().toLowerCase(Locale.ROOT));
    }

    private static Stamped own(String name, String id, String field, String word) {
        // The word is the library's own lower-case letters: nothing in it needs escaping.
        return new Stamped(OutboundEvents.text(name, "{\"" + field + "\":\"" + word + "\"}"), -1, id);
    }
}
