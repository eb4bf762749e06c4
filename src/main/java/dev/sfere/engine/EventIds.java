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
        long[] position = id.length() > MAX_LENGTH || dash <= 0 ? null : Parsed.position(id, dash);
        if (position == null) {
            return Parsed.MALFORMED;
        }
        if (position[1] != 0 || dash != epoch.length() || !id.startsWith(epoch)) {
            // An index is written only on ids of the cluster's log.
            return Parsed.OTHER_EPOCH;
        }
        return new Parsed(position[0], null);
    }

    /**
     * Reads an id of the cluster's log: {@code <epoch>-<sequence>} or {@code <epoch>-<sequence>.<index>}, whose
     * epoch is the log's.
     *
     * @param id  the id, starting with the log's epoch and a dash
     * @param log where the log's messages sit in the history
     * @return the history sequence it names, or why not: {@code expired} for a message no longer held,
     *         {@link Parsed#AHEAD} with the log position for one not consumed yet
     */
    static Parsed parseLogged(String id, LogPositions log) {
        int dash = log.epoch().length();
        long[] position = id.length() > MAX_LENGTH ? null : Parsed.position(id, dash);
        if (position == null) {
            return Parsed.MALFORMED;
        }
        long sequence = log.historySequence(position[0], (int) position[1]);
        if (sequence == -2) {
            return new Parsed(-1, Parsed.AHEAD, position[0], (int) position[1]);
        }
        return sequence < 0 ? new Parsed(-1, "expired") : new Parsed(sequence, null);
    }

    /**
     * An id read back: a sequence of this history, or why it is not one.
     *
     * @param sequence    the history sequence, when {@code problem} is null
     * @param problem     {@code "malformed"}, {@code "unknown"} (another epoch), {@code "expired"}, or
     *                    {@link #AHEAD}; else null
     * @param logSequence for {@link #AHEAD}, the log sequence named
     * @param index       for {@link #AHEAD}, the event's place in that message
     */
    record Parsed(long sequence, String problem, long logSequence, int index) {
        static final Parsed MALFORMED = new Parsed(-1, "malformed");
        static final Parsed OTHER_EPOCH = new Parsed(-1, "unknown");
        /** A log message this instance has not consumed yet: another instance is ahead. */
        static final String AHEAD = "ahead";

        Parsed(long sequence, String problem) {
            this(sequence, problem, -1, 0);
        }

        /**
         * The sequence and index after the dash: digits, then perhaps a dot and digits.
         *
         * @return {sequence, index}, or null if malformed
         */
        static long[] position(String id, int dash) {
            long[] position = new long[2];
            int part = 0;
            int digits = 0;
            for (int i = dash + 1; i < id.length(); i++) {
                char c = id.charAt(i);
                if (c == '.' && part == 0 && digits > 0) {
                    part = 1;
                    digits = 0;
                    continue;
                }
                long limit = part == 0 ? (Long.MAX_VALUE - 9) / 10 : (Integer.MAX_VALUE - 9) / 10;
                if (c < '0' || c > '9' || position[part] > limit) {
                    return null;
                }
                position[part] = position[part] * 10 + (c - '0');
                digits++;
            }
            return digits == 0 ? null : position;
        }
    }
}
