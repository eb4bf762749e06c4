package dev.sfere.engine;

/**
 * Where the messages of the cluster's log sit in this instance's {@link History}: for each log sequence consumed,
 * the history sequence of its first event and how many events it carried. Log ids are {@code <epoch>-<sequence>}
 * for a message's first event and {@code <epoch>-<sequence>.<index>} for its later ones, so the same id names the
 * same event on every instance, while the history's own sequence keeps counting every event of this instance
 * (events delivered locally while the log could not be reached, and {@code sfere-close} markers, among them).
 *
 * <p>The sequences consumed within one epoch are contiguous (a gap drops every position), so positions sit in a
 * ring at {@code sequence - first}: finding one is O(1). Not thread-safe: the engine calls it with its delivery lock
 * held.
 */
final class LogPositions {

    private final String epoch;
    private long[] starts = new long[16];
    private int[] counts = new int[16];
    private int head;
    private int size;
    /** The log sequence of the position at {@code head}. */
    private long first;
    /** The log sequence expected next, or 0 before any was consumed (or since a gap). */
    private long next;
    /** Ids of this sequence or before name events after which some were lost: a resume from them is reset. */
    private long lostThrough;

    /**
     * @param epoch what identifies the log's incarnation; the same on every instance
     */
    LogPositions(String epoch) {
        this.epoch = epoch;
    }

    String epoch() {
        return epoch;
    }

    /** The log sequence expected next, or 0 before any was consumed. */
    long next() {
        return next;
    }

    /** The last log sequence consumed, or 0. */
    long latest() {
        return next == 0 ? 0 : next - 1;
    }

    /**
     * Records that a log message was consumed.
     *
     * @param sequence its log sequence, which must be {@link #next()} unless nothing was consumed yet
     * @param start    the history sequence of its first event (or of whatever comes next, if it carries none)
     * @param count    how many events of it the history holds
     */
    void add(long sequence, long start, int count) {
        if (next != 0 && sequence != next) {
            throw new IllegalStateException("log sequence " + sequence + " consumed, " + next + " expected");
        }
        if (size == 0) {
            first = sequence;
        }
        if (size == starts.length) {
            long[] grownStarts = new long[starts.length * 2];
            int[] grownCounts = new int[counts.length * 2];
            for (int i = 0; i < size; i++) {
                grownStarts[i] = starts[(head + i) & (starts.length - 1)];
                grownCounts[i] = counts[(head + i) & (counts.length - 1)];
            }
            starts = grownStarts;
            counts = grownCounts;
            head = 0;
        }
        int slot = (head + size) & (starts.length - 1);
        starts[slot] = start;
        counts[slot] = count;
        size++;
        next = sequence + 1;
    }

    /** Forgets every position whose first event the history no longer holds. */
    void trim(long historyFirst) {
        while (size > 0 && starts[head] < historyFirst) {
            head = (head + 1) & (starts.length - 1);
            size--;
            first++;
        }
        if (size == 0 && starts.length > 16) {
            starts = new long[16];
            counts = new int[16];
            head = 0;
        }
    }

    /**
     * Forgets every position after a gap: a resume from any id given so far is reset, and whatever sequence comes
     * next is taken.
     */
    void clear() {
        lostThrough = Math.max(lostThrough, latest());
        size = 0;
        head = 0;
        next = 0;
    }

    /** The id of an event of a log message. */
    String format(long sequence, int index) {
        return index == 0 ? epoch + '-' + sequence : epoch + '-' + sequence + '.' + index;
    }

    /**
     * The history sequence of the event an id of this epoch names.
     *
     * @param sequence the log sequence
     * @param index    the event's place in its message
     * @return the history sequence; {@code -1} if the message was consumed but is no longer held (or the index is
     *         out of its range), {@code -2} if the message was not consumed yet
     */
    long historySequence(long sequence, int index) {
        if (sequence <= lostThrough) {
            return -1;
        }
        if (sequence >= next || next == 0) {
            return -2;
        }
        if (sequence < first || size == 0) {
            return -1;
        }
        int slot = (head + (int) (sequence - first)) & (starts.length - 1);
        if (index >= counts[slot]) {
            return index == 0 ? starts[slot] - 1 : -1;
        }
        return starts[slot] + index;
    }

    @Override
    public String toString() {
        return "LogPositions[" + epoch + ", " + first + ".." + latest() + ", " + size + " held]";
    }
}
