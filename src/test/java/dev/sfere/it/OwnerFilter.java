package dev.sfere.it;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import java.security.Principal;

/**
 * Authentication from a fixed table ({@code Authorization: Bearer t-NAME}), then authorization as an application
 * would do it before any resource method: a path parameter {@code owner} must be the caller.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class OwnerFilter implements ContainerRequestFilter {

    static final java.util.Set<String> USERS = java.util.Set.of("alice", "jean", "jean-luc");

    @Override
    public void filter(ContainerRequestContext request) {
        String auth = request.getHeaderString("Authorization");
        String user = auth != null && auth.startsWith("Bearer t-") ? auth.substring("Bearer t-".length()) : null;
        if (user == null || !USERS.contains(user)) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED).build());
            return;
        }
        String owner = request.getUriInfo().getPathParameters().getFirst("owner");
        if (owner != null && !owner.equals(user)) {
            request.abortWith(Response.status(Response.Status.FORBIDDEN).build());
            return;
        }
        Principal principal = () -> user;
        request.setSecurityContext(new jakarta.ws.rs.core.SecurityContext() {
            public Principal getUserPrincipal() {
                return principal;
            }

            public boolean isUserInRole(String role) {
                return false;
            }

            public boolean isSecure() {
                return false;
            }

            public String getAuthenticationScheme() {
                return "Bearer";
            }
        });
    }
}
