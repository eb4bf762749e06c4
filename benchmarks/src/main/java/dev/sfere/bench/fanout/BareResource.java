package dev.sfere.bench.fanout;

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
 * The capacity benchmark's baseline ({@link Capacity}): each sink goes into a map kept by hand ({@link BareSinks}),
 * as an application without the library would keep it; the same scope as {@link CapacityResource}.
 */
@Path("capacity/bare")
@RequestScoped
public class BareResource {

    @Inject
    BareSinks sinks;

    @GET
    @Path("{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        sinks.add(id, sink, sse);
    }
}
