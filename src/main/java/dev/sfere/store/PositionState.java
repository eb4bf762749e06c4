package dev.sfere.store;

/**
 * Where the index of one key position stands; see {@link Position} for how it moves from one state to the next. It
 * only moves forward.
 */
enum PositionState {
    /** No lookup has needed the position yet: stores and removals leave it alone. */
    OFF(false),
    /** The first lookup is reading the store's map to find out whether every connection has the same part. */
    SCANNING(false),
    /** Every connection has the same part, the sole one, so no buckets are kept; stores only compare their part. */
    UNIFORM(false),
    /** The index is being built from the store's map; changes to it take the connection's stripe lock. */
    BUILDING(true),
    /** The index is built and kept up to date by every store and removal. */
    ON(true);

    /** Whether stores and removals change the position's buckets. */
    final boolean kept;

    PositionState(boolean kept) {
        this.kept = kept;
    }
}
