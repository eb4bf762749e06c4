package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * SSE streams under a per-user scope (see {@link PrincipalScope}), with ids taken from whatever the client sends:
 * the path, a query parameter, a header. None of them may move the stream into another user's scope. The welcome
 * event names the key the resource sees: {@code scope/category/id}.
 */
@Path("s")
@RequestScoped
public class InboxResource {

    @Inject
    Broadcaster broadcaster;

    @Inject
    ScopeResolver scopes;

    @GET
    @Path("{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "inbox", id = "{user}")
    public void inbox(@PathParam("user") String user, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "inbox", user), "welcome",
                scopes.scope() + "/inbox/" + user);
    }

    @GET
    @Path("q/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "feed", id = "{scope}")
    public void byQuery(@QueryParam("scope") String scope, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "feed", scope), "welcome",
                scopes.scope() + "/feed/" + scope);
    }

    @GET
    @Path("h/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "header", id = "{X-Scope}")
    public void byHeader(@HeaderParam("X-Scope") String scope, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "header", scope), "welcome",
                scopes.scope() + "/header/" + scope);
    }
}
