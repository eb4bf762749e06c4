package dev.sfere.it;

import dev.sfere.ScopeResolver;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;

import java.security.Principal;

/** Puts every user in a scope of their own: the scope is the authenticated principal's name, nothing the client sends. */
@RequestScoped
public class PrincipalScope implements ScopeResolver {

    @Context
    SecurityContext security;

    @Override
    public String scope() {
        Principal principal = security == null ? null : security.getUserPrincipal();
        if (principal == null) {
            throw new NotAuthorizedException("Bearer");
        }
        return principal.getName();
    }
}
