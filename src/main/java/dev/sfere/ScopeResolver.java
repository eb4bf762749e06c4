package dev.sfere;

/**
 * Gives the scope of the keys that {@link SfereKey} registers.
 *
 * <p>The library provides a default bean that answers {@code sfere.scope.default} (default {@code "default"}). An
 * application replaces it by declaring a bean of this type of its own; no alternative or priority is needed. For
 * example, a resolver that puts every user in a scope of their own injects the request's principal:
 *
 * <pre>{@code
 * @RequestScoped
 * public class PrincipalScope implements ScopeResolver {
 *     @Inject Principal principal;
 *     public String scope() { return principal.getName(); }
 * }
 * }</pre>
 *
 * <p>Called on the request thread of the intercepted method, so request-scoped beans are available. It must
 * return a valid key part.
 */
public interface ScopeResolver {

    /**
     * The scope for the current request.
     *
     * @return a non-blank scope
     */
    String scope();
}
