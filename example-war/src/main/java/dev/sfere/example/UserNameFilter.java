package dev.sfere.example;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Refuses a bad user name in {@code /api/lobby/{user}/(events|messages|leave)} with a 400 before any resource
 * method is chosen. It has to come this early: on the events method, the {@code @SfereKey} interceptor stores the
 * stream before the method body runs, and the other users would be told that a user with a bad name joined.
 */
@Provider
@PreMatching
public class UserNameFilter implements ContainerRequestFilter {

    private static final Set<String> USER_ACTIONS = Set.of("events", "messages", "leave");

    @Override
    public void filter(ContainerRequestContext request) {
        // The raw path, split here: runtimes decode a segment before or after they split it at '/' and ';' (Quarkus
        // REST before, so "a%2Fb" and "a%3Bb" would split the name), and not every one lists raw segments.
        List<String> segments = new ArrayList<>(List.of(
                request.getUriInfo().getRequestUri().getRawPath().split("/", -1)));
        // ".../events/" still reaches the events method.
        while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        int size = segments.size();
        if (size < 3 || !Lobby.CATEGORY.equals(segments.get(size - 3))
                || !USER_ACTIONS.contains(segments.get(size - 1))) {
            return;
        }
        String problem = Lobby.nameProblem("the user name", decoded(segments.get(size - 2)));
        if (problem != null) {
            request.abortWith(Lobby.error(Response.Status.BAD_REQUEST, problem));
        }
    }

    /** A path segment's text, percent-decoded as UTF-8; as it is if it is not validly encoded (then refused). */
    private static String decoded(String raw) {
        try {
            // In a path, '+' is itself, not a space.
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }
}
