package dev.sfere.store;

import dev.sfere.ConnectionKey;
import dev.sfere.spi.Connection;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;

/**
 * The index of one key position (scope, category or id) of a {@link ConnectionIndex}: its {@link Parts}, and the
 * {@link PositionState} that says whether stores and removals keep them. {@code OFF} until a lookup needs it.
 *
 * <p>The first lookup first scans the store's map ({@code SCANNING}): if every connection has the same part
 * there, the position becomes {@code UNIFORM} and keeps no buckets; that part is its {@code sole} part (none yet
 * if the store was empty: the next store makes its part the sole one). Stores do nothing for a uniform position
 * beyond comparing their part with the sole one, after their compute, and removals nothing at all. A lookup of
 * the sole part has to read the store's map, which is what the sole part's bucket would have held; of another
 * part, it finds nothing. The first store of a different part builds the index (below) before it returns.
 * During the scan, stores offer their part too: the scan sets {@code mixed} if any part differs, and after
 * switching to {@code UNIFORM} reads it again, while a store that set it reads the state again; so either the
 * scan sees the different part and builds, or the store sees the position uniform and builds.
 *
 * <p>Building switches it to {@code BUILDING}, then reads the store's map and adds each connection that is still
 * held under the key the map gives for it, holding the connection's stripe lock; then switches it {@code ON}
 * for lookups. While it is {@code BUILDING}, every store and removal changes it under the same stripe lock,
 * after setting or clearing the connection's record. A removal that still saw it not kept ({@code OFF},
 * {@code SCANNING} or {@code UNIFORM}) had cleared the record before the build began, so the build skips that
 * connection. A store that still saw it not kept may have put its entry in the map too late for the build to
 * read it; the store's {@link #settle} after its compute finds the build begun, and the store adds the
 * connection through {@link #catchUp}. Either way each connection ends up in the index exactly when it is held,
 * with its key.
 */
final class Position {

    private static final AtomicReferenceFieldUpdater<Position, String> SOLE =
            AtomicReferenceFieldUpdater.newUpdater(Position.class, String.class, "sole");

    final Parts parts;
    private final ConnectionIndex owner;
    private final Function<ConnectionKey, String> part;
    volatile PositionState state = PositionState.OFF;
    /** While scanning or uniform: the part every connection has, or null before the first one. */
    private volatile String sole;
    /** While scanning: set once a part other than the sole one was seen. */
    private volatile boolean mixed;

    Position(ConnectionIndex owner, Function<ConnectionKey, String> part) {
        this.owner = owner;
        this.part = part;
        this.parts = new Parts(owner);
    }

    /** Whether a part is the sole one, making it so if there is none yet. */
    private boolean admits(String candidate) {
        String current = sole;
        if (current == null) {
            if (SOLE.compareAndSet(this, null, candidate)) {
                return true;
            }
            current = sole;
        }
        return current.equals(candidate);
    }

    /**
     * Adds a connection to, or removes it from, the position's index: nothing while the position is not kept, under
     * the connection's stripe lock while it is being built. Call after setting or clearing the connection's record.
     *
     * @return false if the position was not kept (off, being scanned, or uniform)
     */
    boolean update(Held held, Connection connection, boolean adding) {
        PositionState seen = state;
        if (seen == PositionState.ON) {
            // Built before this change began, so the build cannot have added the connection: no need to look.
            change(held, connection, adding, false);
        } else if (seen == PositionState.BUILDING) {
            synchronized (owner.stripe(connection)) {
                change(held, connection, adding, true);
            }
        }
        return seen.kept;
    }

    /**
     * After the store's compute that added a connection, outside it, if {@link #update} did not keep this position:
     * a position still off needs nothing (its scan or build will read the store's map, which now holds the
     * connection); a position being scanned is offered the connection's part; a uniform position whose sole part
     * differs from the connection's is built now; and a position that began its build since {@link #update} may have
     * read the map before the connection was in it, so it is left for {@link #catchUp}.
     *
     * @return true if the store should hand the connection to {@link #catchUp}, inside a compute for the key
     */
    boolean settle(Held held) {
        String mine = null;
        for (;;) {
            PositionState seen = state;
            if (seen == PositionState.OFF) {
                return false;
            }
            if (seen.kept) {
                return true;
            }
            if (mine == null) {
                mine = part.apply(held.key);
            }
            if (seen == PositionState.SCANNING) {
                if (!admits(mine)) {
                    mixed = true;
                }
                if (state == PositionState.SCANNING) {
                    // The scan reads the flag after it leaves SCANNING, so it will see this part.
                    return false;
                }
            } else if (admits(mine)) {
                return false;
            } else {
                build();
            }
        }
    }

    /**
     * Adds a connection to an index begun since {@link #update}; call inside a compute for its key that finds the
     * connection still stored. Adding a connection the build added already changes nothing.
     */
    void catchUp(Held held, Connection connection) {
        synchronized (owner.stripe(connection)) {
            change(held, connection, true, true);
        }
    }

    private void change(Held held, Connection connection, boolean adding, boolean mayBeThere) {
        String mine = part.apply(held.key);
        if (adding) {
            parts.add(mine, held, connection, mayBeThere);
        } else {
            parts.remove(mine, connection);
        }
    }

    /**
     * Readies the position for lookups, scanning it first if no lookup has needed it yet.
     *
     * @return {@code UNIFORM} or {@code ON}
     */
    PositionState ready() {
        for (;;) {
            PositionState seen = state;
            if (seen == PositionState.UNIFORM || seen == PositionState.ON) {
                return seen;
            }
            // Off, or being scanned or built by another thread, which holds the lock until it is done.
            synchronized (this) {
                if (state == PositionState.OFF) {
                    scan();
                }
            }
        }
    }

    /**
     * The connections of a part, for a lookup: {@code NONE} if no connection has it, {@code WHOLE_STORE} if it is
     * the sole part of a uniform position (which has no bucket: every connection has the part).
     */
    Candidates candidates(String literal) {
        if (ready() == PositionState.UNIFORM) {
            return literal.equals(sole) ? Candidates.Unbucketed.WHOLE_STORE : Candidates.Unbucketed.NONE;
        }
        Candidates found = parts.get(literal);
        return found == null ? Candidates.Unbucketed.NONE : found;
    }

    /** Finds out whether every connection has the same part; builds the position if not. Holds its lock. */
    private void scan() {
        state = PositionState.SCANNING;
        owner.stored.forEach((key, connection) -> {
            if (!mixed && owner.heldUnder(key, connection) != null && !admits(part.apply(key))) {
                mixed = true;
            }
        });
        if (!mixed) {
            state = PositionState.UNIFORM;
            // A store that offered a different part before the switch set the flag; one after it builds itself.
            if (!mixed) {
                return;
            }
        }
        buildHolding();
    }

    /** Builds a uniform position's index, for a store whose part is not the sole one. */
    private void build() {
        synchronized (this) {
            if (state == PositionState.UNIFORM) {
                buildHolding();
            }
        }
    }

    /** Builds the position's index from the store's map, holding the position's lock. */
    private void buildHolding() {
        state = PositionState.BUILDING;
        owner.stored.forEach((key, connection) -> {
            synchronized (owner.stripe(connection)) {
                Held held = owner.heldUnder(key, connection);
                if (held != null) {
                    parts.add(part.apply(key), held, connection, true);
                }
            }
        });
        state = PositionState.ON;
    }
}
