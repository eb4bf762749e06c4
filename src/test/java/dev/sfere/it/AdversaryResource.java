package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/** SSE resources as an application might write them, for hostile clients to try (see {@link AdversarialIT}). */
@Path("adv")
@RequestScoped
public class AdversaryResource {

    @Inject
    Broadcaster broadcaster;

    @Inject
    ScopeResolver scopes;

    /** One stream per device of a user; {@link OwnerFilter} has checked that the owner is the caller. */
    @GET
    @Path("devices/{owner}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "devices", id = "{owner}-{device}")
    public void devices(@PathParam("owner") String owner, @QueryParam("device") String device,
                        @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), "devices", owner + "-" + device), "welcome",
                owner + "-" + device);
    }
}
