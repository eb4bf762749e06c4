package dev.sfere.example;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.regex.Pattern;

/** What the lobby's pieces share: the key category, user names, and the shape of error answers. */
final class Lobby {

    /** The category every lobby stream is stored under. */
    static final String CATEGORY = "lobby";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    private Lobby() {
    }

    /** The key of a user's stream in a scope. */
    static ConnectionKey key(String scope, String user) {
        return ConnectionKey.of(scope, CATEGORY, user);
    }

    /** Every lobby stream in a scope. */
    static KeyPattern everyone(String scope) {
        return KeyPattern.all().withScope(scope).withCategory(CATEGORY);
    }

    /**
     * Checks a user name.
     *
     * @return null if the name is valid, else what is wrong with it
     */
    static String nameProblem(String what, String name) {
        if (name == null) {
            return what + " is missing";
        }
        return NAME.matcher(name).matches() ? null
                : what + " must be 1 to 32 characters of letters, digits, '-', '_' and '.'";
    }

    /** The JSON error answer, {@code {"error": "..."}}. */
    static Response error(Response.StatusType status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(message)).build();
    }
}
