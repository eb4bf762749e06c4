package dev.sfere.quarkus;

import dev.sfere.SfereKey;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

/** The smallest keyed stream: {@code GET /rooms/{user}/events}, registered under (scope, "room", user). */
@Path("/rooms")
public class RoomResource {

    /**
     * Opens a stream; the library registers it before this runs.
     *
     * @param user the user, the key's id
     * @param sink the stream
     */
    @GET
    @Path("{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = "room", id = "{user}")
    public void events(@PathParam("user") String user, @Context SseEventSink sink) {
    }
}
