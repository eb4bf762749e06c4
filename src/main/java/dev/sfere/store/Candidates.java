package dev.sfere.store;

import dev.sfere.spi.Connection;

/**
 * What the lookup of a pattern with a literal narrows the search to, found from the part of its rarest literal:
 * nothing, the whole store, one connection, or a {@link Bucket}.
 */
sealed interface Candidates permits Candidates.Unbucketed, Candidates.One, Bucket {

    /** How many connections the candidates are; -1 if only a walk of the store's map can tell. */
    int size();

    /** The answers that name no part's connections. */
    enum Unbucketed implements Candidates {
        /** A literal of the pattern is a part no connection has: nothing matches. */
        NONE(0),
        /**
         * Every literal is the sole part of a uniform position, so no bucket narrows the search: the store's map is
         * walked, comparing keys.
         */
        WHOLE_STORE(-1);

        private final int size;

        Unbucketed(int size) {
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /**
     * A part held by a single connection, which its position keeps without a bucket.
     *
     * @param connection the connection
     */
    record One(Connection connection) implements Candidates {
        @Override
        public int size() {
            return 1;
        }
    }
}
