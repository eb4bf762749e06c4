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
 * The resume storm's endpoint: Sfere stores each sink under {@code [default, storm, id]} and, when the client
 * presents a {@code Last-Event-ID}, replays what the key missed. It declares the id among its parameters, which is
 * how the library finds it; the method itself does nothing, so what is timed is the library's and the runtime's.
 */
@Path("storm")
@RequestScoped
public class StormResource {

    @GET
    @Path("{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "storm", id = "{id}")
    public void events(@PathParam("id") String id, @Context SseEventSink sink,
                       @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId) {
        // Nothing: the library registers the stream, and replays to it, around this call.
    }
}
