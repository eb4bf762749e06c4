package dev.sfere.bench.fanout;

import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * The fan-out endpoint: Sfere stores each sink under {@code [default, fan, id]} through {@link SfereKey}, and the
 * method registers the same sink with Jersey's own broadcaster, so both senders reach the same streams.
 */
@Path("fan")
@RequestScoped
public class FanResource {

    @Inject
    JerseyBroadcast jersey;

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "fan", id = "{id}")
    public void events(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        jersey.register(sse, sink);
    }
}
