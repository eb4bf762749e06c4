package dev.sfere;

/**
 * Validation shared by {@link ConnectionKey} and {@link KeyPattern}: one rule for what a key part may be.
 */
final class Parts {

    /** The longest key part accepted, in UTF-16 chars. Longer parts are almost certainly a bug or an attack. */
    static final int MAX_LENGTH = 256;

    private Parts() {
    }

    /**
     * Checks one key part.
     *
     * @param name  the part's name for the message: {@code scope}, {@code category} or {@code id}
     * @param value the value to check
     * @return {@code value}, unchanged
     * @throws IllegalArgumentException if the value is null, blank, too long, holds a control character or an
     *                                  unpaired surrogate
     */
    static String require(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (isBlank(value)) {
            throw new IllegalArgumentException(name + " must not be blank, got \"" + printable(value) + "\"");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_LENGTH + " characters, got "
                    + value.length() + " starting \"" + printable(value.substring(0, 32)) + "\"");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(name + " must not contain control characters, got U+"
                        + String.format("%04X", (int) c) + " at index " + i + " in \"" + printable(value) + "\"");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    // Not text: it has no UTF-8 form, so it could not travel between instances unchanged.
                    throw new IllegalArgumentException(name + " must be well-formed text, got an unpaired "
                            + "surrogate U+" + String.format("%04X", (int) c) + " at index " + i);
                }
            }
        }
        return value;
    }

    /** Blank: nothing but white space, the no-break spaces included, which {@link String#isBlank} lets through. */
    private static boolean isBlank(String value) {
        return value.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
    }

    /** The value with its control characters escaped, so a client's value cannot break a log or message line. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
