package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/** A small SSE resource for the integration tests. */
@Path("t")
@RequestScoped
public class LobbyResource {

    @Inject
    Broadcaster broadcaster;

    @Inject
    ScopeResolver scopes;

    @GET
    @Path("lobby/{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "lobby", id = "{user}")
    public void lobby(@PathParam("user") String user, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "lobby", user), "welcome", user);
    }

    @GET
    @Path("game/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "game", id = "table-{table}")
    public void game(@QueryParam("table") String table, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "game", "table-" + table), "welcome", table);
    }

    @GET
    @Path("failing/{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "failing", id = "{user}")
    public void failing(@PathParam("user") String user, @Context SseEventSink sink) {
        throw new IllegalStateException("the resource method failed on purpose");
    }

    @POST
    @Path("lobby/{user}/ping")
    @SfereKey(category = "lobby", id = "{user}")
    public void ping(@PathParam("user") String user) {
        // The interceptor marks the key active; nothing else to do.
    }
}
