package dev.sfere;


import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts a JAX-RS resource method's SSE stream under a {@link ConnectionKey}.
 *
 * <pre>{@code
 * @GET @Path("{user}/events") @Produces(MediaType.SERVER_SENT_EVENTS)
 * @SfereKey(category = "lobby", id = "{user}")
 * public void events(@PathParam("user") String user, @Context SseEventSink sink) { ... }
 * }</pre>
 *
 * <p>On a method with an {@link jakarta.ws.rs.sse.SseEventSink} parameter, the sink is stored under
 * {@code [scope, category, id]} before the method body runs, {@link SfereConnected} is fired, and the connection is
 * purged again (cause {@link EvictionCause#CLOSED}) if the method throws, or an observer of that event does. The
 * scope comes from the {@link ScopeResolver} bean. On a method without a sink, the key's connection is marked active
 * instead (see sliding expiry), for example on the request that posts a chat message.
 *
 * <p>The resource class must be a CDI bean (for example {@code @RequestScoped}) so that the interceptor applies.
 * A template that names no parameter, or a name that two parameters carry (a {@code @QueryParam("user")} beside
 * the {@code @PathParam("user")}, which would let a client choose its own key), two parameters with no fixed text
 * between them, fixed text in the template that no id may hold (a control character, say), a {@code '{'} without
 * its {@code '}'}, a blank template, a blank category, or two sinks on one method fail deployment, each with an
 * SFERE code (docs/ERRORS.md).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SfereKey {

    /**
     * The key's category, a literal such as {@code "lobby"}.
     *
     * @return the category
     */
    String category();

    /**
     * The key's id: a template in which {@code {name}} is replaced by the value of the method parameter annotated
     * {@code @PathParam("name")}, {@code @QueryParam}, {@code @HeaderParam}, {@code @CookieParam},
     * {@code @FormParam} or {@code @MatrixParam} with that name. Text outside braces is kept:
     * {@code "room-{room}"}. Between two parameters there must be fixed text ({@code "{user}:{device}"}; two side by
     * side fail deployment), and no value may hold a character of the fixed text between parameters (a request
     * whose value does is answered 400): otherwise {@code jean} + {@code luc-phone} and {@code jean-luc} +
     * {@code phone} would make one id, and a client would reach another's key through the parameter it chooses
     * freely. Choose a separator that your values never hold.
     *
     * @return the id template
     */
    String id();
}
