package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.Resumption;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * A stream that gets a snapshot only when it needs one (new or reset), as a resuming application does. It declares
 * the last event id among its parameters, which is how the library finds it on every runtime.
 */
@Path("r")
@RequestScoped
public class ResumeResource {

    static final String CATEGORY = "room";

    @Inject
    Broadcaster broadcaster;

    @Inject
    Connections connections;

    @Inject
    ScopeResolver scopes;

    static ConnectionKey key(String user) {
        return ConnectionKey.of("default", CATEGORY, user);
    }

    @GET
    @Path("{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = CATEGORY, id = "{user}")
    public void events(@PathParam("user") String user, @Context SseEventSink sink,
                       @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId,
                       @QueryParam("lastEventId") String lastEventIdQuery) {
        ConnectionKey key = ConnectionKey.of(scopes.scope(), CATEGORY, user);
        Resumption how = connections.resumption(key);
        if (how != Resumption.RESUMED) {
            broadcaster.send(key, "snapshot", how.name());
        }
    }

    @POST
    @Path("{user}/leave")
    public void leave(@PathParam("user") String user) {
        connections.purge(ConnectionKey.of(scopes.scope(), CATEGORY, user));
    }
}
