package dev.sfere.bench.fanout;

import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * The capacity benchmark's Sfere sides ({@link Capacity}): the library keeps each stream under
 * {@code [default, cap, id]}. On {@code sfere} the method does not declare the {@code Last-Event-ID} header, so the
 * library looks it up through CDI; on {@code sfere-header} it does. The bare side is {@link BareResource}, a class of
 * its own so that its instances carry no interceptor.
 */
@Path("capacity")
@RequestScoped
public class CapacityResource {

    @GET
    @Path("sfere/{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "cap", id = "{id}")
    public void sfere(@PathParam("id") String id, @Context SseEventSink sink) {
        // Nothing: the library keeps the stream.
    }

    @GET
    @Path("sfere-header/{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "cap", id = "{id}")
    public void sfereHeader(@PathParam("id") String id, @Context SseEventSink sink,
                            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId) {
        // Nothing: the library keeps the stream.
    }
}
