package dev.sfere.it;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Directory;
import dev.sfere.KeyPattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.stream.Collectors;

/**
 * What the cluster tests ask of each instance over HTTP: broadcast or send (to the lobby, or another category), and
 * read the directory.
 */
@ApplicationScoped
@Path("control")
public class ControlResource {

    @Inject
    Broadcaster broadcaster;

    @Inject
    Directory directory;

    @POST
    @Path("broadcast")
    @Produces(MediaType.TEXT_PLAIN)
    public String broadcast(@QueryParam("text") String text,
                            @QueryParam("category") @DefaultValue("lobby") String category) {
        return Integer.toString(broadcaster.broadcast(KeyPattern.all().withCategory(category), "note", text));
    }

    @POST
    @Path("send/{user}")
    @Produces(MediaType.TEXT_PLAIN)
    public String send(@PathParam("user") String user, @QueryParam("text") String text,
                       @QueryParam("category") @DefaultValue("lobby") String category) {
        return Integer.toString(broadcaster.send(ConnectionKey.of("default", category, user), "note", text));
    }

    /** The ids in the lobby on every instance, sorted, comma-separated. */
    @GET
    @Path("directory")
    @Produces(MediaType.TEXT_PLAIN)
    public String directory() {
        return directory.keys(KeyPattern.all().withCategory("lobby")).stream().map(ConnectionKey::id).sorted()
                .collect(Collectors.joining(","));
    }
}
