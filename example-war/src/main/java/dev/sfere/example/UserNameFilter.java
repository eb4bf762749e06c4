package dev.sfere.example;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

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
        List<PathSegment> segments = new ArrayList<>(request.getUriInfo().getPathSegments(true));
        // ".../events/" still reaches the events method, and Jersey lists an empty last segment for the slash.
        while (!segments.isEmpty() && segments.get(segments.size() - 1).getPath().isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        if (segments.size() != 3 || !Lobby.CATEGORY.equals(segments.get(0).getPath())
                || !USER_ACTIONS.contains(segments.get(2).getPath())) {
            return;
        }
        String problem = Lobby.nameProblem("the user name", segments.get(1).getPath());
        if (problem != null) {
            request.abortWith(Lobby.error(Response.Status.BAD_REQUEST, problem));
        }
    }
}
