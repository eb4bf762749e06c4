package dev.sfere;

import java.util.Objects;

/**
 * A pattern over {@link ConnectionKey}s: each of the three positions is either a literal that must equal the
 * key's part, or the wildcard {@link #ANY} that matches every value.
 *
 * <p>The wildcard is a value of its own, not the text {@code "*"}: {@code KeyPattern.of(ANY, literal("lobby"),
 * literal("*"))} matches only the user literally named {@code *}. Build patterns with the factories and the
 * {@code with...} methods:
 *
 * <pre>{@code
 * KeyPattern everyone = KeyPattern.all();
 * KeyPattern lobby    = KeyPattern.all().withCategory("lobby");
 * KeyPattern bob      = KeyPattern.all().withCategory("lobby").withId("bob");
 * KeyPattern tenant   = KeyPattern.all().withScope("acme");
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param scope    what the key's scope must be
 * @param category what the key's category must be
 * @param id       what the key's id must be
 */
public record KeyPattern(Segment scope, Segment category, Segment id) {

    /** The wildcard: in any position it matches every value. */
    public static final Segment ANY = Wildcard.INSTANCE;

    private static final KeyPattern ALL = new KeyPattern(ANY, ANY, ANY);

    /**
     * One position of a pattern: the {@link #ANY wildcard} or a {@link Literal}.
     */
    public sealed interface Segment permits Wildcard, Literal {

        /**
         * Tells whether this segment accepts a key part.
         *
         * @param part a key part
         * @return true if this is the wildcard or a literal equal to {@code part}
         */
        boolean accepts(String part);
    }

    /** The wildcard segment; its only instance is {@link KeyPattern#ANY}. */
    public enum Wildcard implements Segment {
        /** The single wildcard. */
        INSTANCE;

        @Override
        public boolean accepts(String part) {
            return true;
        }

        @Override
        public String toString() {
            return "ANY";
        }
    }

    /**
     * A literal segment: matches exactly one value.
     *
     * @param value the value, validated like a key part
     */
    public record Literal(String value) implements Segment {

        /**
         * Creates a literal segment.
         *
         * @param value the value
         * @throws IllegalArgumentException if the value is not a valid key part
         */
        public Literal {
            Parts.require("pattern literal", value);
        }

        @Override
        public boolean accepts(String part) {
            return value.equals(part);
        }

        @Override
        public String toString() {
            return value;
        }
    }

    /**
     * Creates a pattern.
     *
     * @param scope    the scope segment
     * @param category the category segment
     * @param id       the id segment
     * @throws NullPointerException if a segment is null (use {@link #ANY} for "any value")
     */
    public KeyPattern {
        Objects.requireNonNull(scope, "scope segment must not be null; use KeyPattern.ANY for any scope");
        Objects.requireNonNull(category, "category segment must not be null; use KeyPattern.ANY for any category");
        Objects.requireNonNull(id, "id segment must not be null; use KeyPattern.ANY for any id");
    }

    /**
     * The pattern that matches every key: {@code [ANY, ANY, ANY]}.
     *
     * @return the match-all pattern
     */
    public static KeyPattern all() {
        return ALL;
    }

    /**
     * A pattern from three segments.
     *
     * @param scope    the scope segment
     * @param category the category segment
     * @param id       the id segment
     * @return the pattern
     */
    public static KeyPattern of(Segment scope, Segment category, Segment id) {
        return new KeyPattern(scope, category, id);
    }

    /**
     * The pattern that matches exactly one key.
     *
     * @param key the key
     * @return a pattern with three literals
     */
    public static KeyPattern exactly(ConnectionKey key) {
        return new KeyPattern(new Literal(key.scope()), new Literal(key.category()), new Literal(key.id()));
    }

    /**
     * A literal segment.
     *
     * @param value the value the position must have
     * @return the segment
     * @throws IllegalArgumentException if the value is not a valid key part
     */
    public static Segment literal(String value) {
        return new Literal(value);
    }

    /**
     * This pattern with the scope position set to a literal.
     *
     * @param scope the scope
     * @return a new pattern
     * @throws IllegalArgumentException if {@code scope} is not a valid key part
     */
    public KeyPattern withScope(String scope) {
        return new KeyPattern(new Literal(Parts.require("scope", scope)), category, id);
    }

    /**
     * This pattern with the category position set to a literal.
     *
     * @param category the category
     * @return a new pattern
     * @throws IllegalArgumentException if {@code category} is not a valid key part
     */
    public KeyPattern withCategory(String category) {
        return new KeyPattern(scope, new Literal(Parts.require("category", category)), id);
    }

    /**
     * This pattern with the id position set to a literal.
     *
     * @param id the id
     * @return a new pattern
     * @throws IllegalArgumentException if {@code id} is not a valid key part
     */
    public KeyPattern withId(String id) {
        return new KeyPattern(scope, category, new Literal(Parts.require("id", id)));
    }

    /**
     * Tells whether a key matches: every position is the wildcard or equals the key's part.
     *
     * @param key the key
     * @return true if it matches
     */
    public boolean matches(ConnectionKey key) {
        return scope.accepts(key.scope()) && category.accepts(key.category()) && id.accepts(key.id());
    }

    /**
     * Tells whether this pattern has no wildcard, so it can match at most one key.
     *
     * @return true if all three positions are literals
     */
    public boolean isExact() {
        return scope instanceof Literal && category instanceof Literal && id instanceof Literal;
    }

    /**
     * The one key this pattern matches, if it {@link #isExact() is exact}.
     *
     * @return the key
     * @throws IllegalStateException if the pattern has a wildcard
     */
    public ConnectionKey toKey() {
        if (!isExact()) {
            throw new IllegalStateException("pattern " + this + " has a wildcard, so it names no single key");
        }
        return new ConnectionKey(((Literal) scope).value(), ((Literal) category).value(), ((Literal) id).value());
    }

    @Override
    public String toString() {
        return "[" + scope + ", " + category + ", " + id + "]";
    }
}
