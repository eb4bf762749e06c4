package dev.sfere.engine;

import java.security.SecureRandom;

/**
 * The ids the library writes on events: {@code <epoch>-<sequence>}. The epoch tells one history from another (it is
 * drawn at random when the engine is made, so an id from before a restart, or from another instance, is never taken
 * for one of this history's); the sequence is stamped once per event, in the order events are delivered. Clients
 * only echo ids back.
 */
final class EventIds {

    /** Longer than any id this class writes: a longer one is refused unread. */
    static final int MAX_LENGTH = 40;
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final String epoch;

    private EventIds(String epoch) {
        this.epoch = epoch;
    }

    /** Ids with a fresh random epoch of 8 characters. */
    static EventIds fresh() {
        SecureRandom random = new SecureRandom();
        char[] epoch = new char[8];
        for (int i = 0; i < epoch.length; i++) {
            epoch[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new EventIds(new String(epoch));
    }

    String epoch() {
        return epoch;
    }

    String format(long sequence) {
        return epoch + '-' + sequence;
    }

    /**
     * Reads an id a client presented.
     *
     * @param id the id
     * @return the sequence, or {@link Parsed#OTHER_EPOCH} / {@link Parsed#MALFORMED}
     */
    Parsed parse(String id) {
        int dash = id.lastIndexOf('-');
        if (id.length() > MAX_LENGTH || dash <= 0 || dash == id.length() - 1) {
            return Parsed.MALFORMED;
        }
        long sequence = 0;
        for (int i = dash + 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9' || sequence > (Long.MAX_VALUE - 9) / 10) {
                return Parsed.MALFORMED;
            }
            sequence = sequence * 10 + (c - '0');
        }
        if (!id.regionMatches(0, epoch, 0, dash) || dash != epoch.length()) {
            return Parsed.OTHER_EPOCH;
        }
        return new Parsed(sequence, null);
    }

    /**
     * An id read back: a sequence of this epoch, or why it is not one.
     *
     * @param sequence the sequence, when {@code problem} is null
     * @param problem  {@code "malformed"} or {@code "unknown"} (another epoch), else null
     */
    record Parsed(long sequence, String problem) {
        static final Parsed MALFORMED = new Parsed(-1, "malformed");
        static final Parsed OTHER_EPOCH = new Parsed(-1, "unknown");
    }
}
