package dev.sfere.example;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Gives the runtime's own error answers (unknown path, wrong method, unacceptable media type) the same JSON body,
 * {@code {"error": "..."}}, as the lobby's.
 */
@Provider
public class ErrorAnswers implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException exception) {
        Response response = exception.getResponse();
        if (response.hasEntity()) {
            return response;
        }
        Response.StatusType status = response.getStatusInfo();
        return Lobby.error(status, status.getReasonPhrase());
    }
}
