package dev.sfere.example.e2eapp;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.OutboundEvents;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test-only, never in the example as shipped: the e2e profile compiles {@code src/e2e-app/java} on its own and adds
 * it to the WAR that the e2e suite deploys. The lobby's contract sends JSON only (one {@code data:} line per event,
 * whatever the text), so this is how the suite sees what each runtime's SSE writer does with data that has line
 * breaks: text goes out through the library exactly as an application would send it, with
 * {@link OutboundEvents#text(String, String)}.
 */
@RequestScoped
@Path("e2e/multiline")
public class MultilineResource {

    private static final String CATEGORY = "e2e";
    private static final String PREFIX = "multiline-";

    @Inject
    Broadcaster broadcaster;

    @Inject
    ScopeResolver scopes;

    /** Opens a stream under (scope, e2e, multiline-client); it gets a {@code ready} event first. */
    @GET
    @Path("{client}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = CATEGORY, id = PREFIX + "{client}")
    public void events(@PathParam("client") String client, @Context SseEventSink sink) {
        broadcaster.send(ConnectionKey.of(scopes.scope(), CATEGORY, PREFIX + client),
                OutboundEvents.text("ready", client));
    }

    /**
     * Sends the body, UTF-8 text taken as it is, as the data of one event to every stream of category {@code e2e}, that is every
     * multiline stream.
     *
     * @return how many streams took the event
     */
    @POST
    @Path("messages")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_PLAIN)
    public String send(@QueryParam("event") @DefaultValue("multi") String event, InputStream body)
            throws IOException {
        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        KeyPattern streams = KeyPattern.all().withScope(scopes.scope()).withCategory(CATEGORY);
        return String.valueOf(broadcaster.broadcast(streams, OutboundEvents.text(event, text)));
    }
}
