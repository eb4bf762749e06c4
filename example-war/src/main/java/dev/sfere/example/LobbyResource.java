package dev.sfere.example;

import dev.sfere.Broadcaster;
import dev.sfere.ConnectionKey;
import dev.sfere.Connections;
import dev.sfere.Directory;
import dev.sfere.KeyPattern;
import dev.sfere.Resumption;
import dev.sfere.ScopeResolver;
import dev.sfere.SfereKey;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;

import java.io.InputStream;
import java.util.List;

/**
 * The lobby's HTTP surface. User names in the paths have been checked by {@link UserNameFilter} already.
 */
@RequestScoped
@Path("lobby")
public class LobbyResource {

    @Inject
    Broadcaster broadcaster;

    @Inject
    Connections connections;

    /** Every instance's streams when the library runs as a cluster; else the same as {@link #connections}. */
    @Inject
    Directory directory;

    @Inject
    ScopeResolver scopes;

    @Inject
    LobbyDepartures departures;

    /**
     * Opens a user's stream. The {@code @SfereKey} interceptor has stored it (closing an older stream of the same
     * user) before this body runs, and replayed what a reconnecting browser missed: the browser sends the id of the
     * last event it received, declared here so that every runtime hands it to the library. A new or reset stream
     * gets the participants; everyone hears who joined, unless the user was only briefly away (then nobody was told
     * they left).
     */
    @GET
    @Path("{user}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SfereKey(category = Lobby.CATEGORY, id = "{user}")
    public void events(@PathParam("user") String user, @Context SseEventSink sink,
                       @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId,
                       @QueryParam("lastEventId") String lastEventIdParameter) {
        String scope = scopes.scope();
        ConnectionKey key = Lobby.key(scope, user);
        Resumption how = connections.resumption(key);
        boolean returning = departures.returned(key, how);
        if (how != Resumption.RESUMED) {
            // A snapshot: first on the stream, ahead of what others broadcast while it opened, which it reflects.
            broadcaster.snapshot(key, "participants", participants(scope));
        }
        if (!returning) {
            broadcaster.broadcast(Lobby.everyone(scope), "joined", new Joined(user));
        }
    }

    /**
     * Sends a message to the lobby, or to one user. {@code @SfereKey} on a method without a stream counts the post
     * as activity of the sender's stream.
     */
    @POST
    @Path("{user}/messages")
    @SfereKey(category = Lobby.CATEGORY, id = "{user}")
    public Response message(@PathParam("user") String user, @HeaderParam(HttpHeaders.CONTENT_LENGTH) String length,
                            InputStream body) {
        MessageBody message = MessageBody.read(length, body);
        String scope = scopes.scope();
        if (!inLobby(scope, user)) {
            throw notFound(user + " has no open stream; open /api/lobby/" + user + "/events first");
        }
        ChatMessage chat = new ChatMessage(user, message.text(), message.to());
        if (message.to() == null) {
            broadcaster.broadcast(Lobby.everyone(scope), "message", chat);
        } else if (!inLobby(scope, message.to())) {
            throw notFound(message.to() + " is not in the lobby");
        } else {
            // Reaches the user's stream on whichever instance holds it.
            broadcaster.send(Lobby.key(scope, message.to()), "message", chat);
        }
        return Response.noContent().build();
    }

    /** Closes the user's stream; the others are told by {@link LobbyDepartures}. */
    @POST
    @Path("{user}/leave")
    public Response leave(@PathParam("user") String user) {
        connections.purge(Lobby.key(scopes.scope(), user));
        return Response.noContent().build();
    }

    /** The connected users, sorted. */
    @GET
    @Path("participants")
    @Produces(MediaType.APPLICATION_JSON)
    public List<String> participants() {
        return participants(scopes.scope());
    }

    private List<String> participants(String scope) {
        return directory.keys(Lobby.everyone(scope)).stream().map(ConnectionKey::id).sorted().toList();
    }

    private boolean inLobby(String scope, String user) {
        return directory.count(KeyPattern.exactly(Lobby.key(scope, user))) > 0;
    }

    private static NotFoundException notFound(String message) {
        return new NotFoundException(Lobby.error(Response.Status.NOT_FOUND, message));
    }

    /** The data of a {@code joined} event. */
    public record Joined(String user) {
    }

    /** The data of a {@code message} event; {@code to} is null (and left out of the JSON) for everyone. */
    public record ChatMessage(String user, String text, String to) {
    }
}
