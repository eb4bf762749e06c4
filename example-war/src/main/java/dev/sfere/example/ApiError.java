package dev.sfere.example;

/**
 * The body of every error answer: {@code {"error": "..."}}. Public, like every type written as JSON, so that
 * JSON-B may read it.
 *
 * @param error what went wrong
 */
public record ApiError(String error) {
}
