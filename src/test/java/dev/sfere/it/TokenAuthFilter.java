package dev.sfere.it;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;

import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Authenticates {@code Authorization: Bearer <token>} against a fixed table of tokens, as an application's
 * security layer would, and sets the request's {@link SecurityContext}. Anything else (no header, two headers, an
 * unknown token, another scheme) is answered 401 before any resource method runs.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class TokenAuthFilter implements ContainerRequestFilter {

    /** Opaque tokens to user names: the client cannot choose its name, only present a token. */
    static final Map<String, String> TOKENS = Map.of(
            "t-alice-7f3a", "alice",
            "t-bob-91c2", "bob");

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> values = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        String user = null;
        if (values != null && values.size() == 1) {
            String value = values.get(0).trim();
            if (value.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
                user = TOKENS.get(value.substring("bearer ".length()).trim());
            }
        }
        if (user == null) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
            return;
        }
        String name = user;
        Principal principal = () -> name;
        boolean secure = request.getSecurityContext().isSecure();
        request.setSecurityContext(new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public boolean isUserInRole(String role) {
                return false;
            }

            @Override
            public boolean isSecure() {
                return secure;
            }

            @Override
            public String getAuthenticationScheme() {
                return "Bearer";
            }
        });
    }
}
