package dev.herald.web.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every error of Herald's API that the JAX-RS runtime raises itself (an unknown path under {@code /herald/api}, a
 * method that a resource does not take, an unacceptable {@code Accept}) answered with its status and headers and
 * the API's JSON error body, the same on every server, rather than the container's error page (an HTML report on
 * Payara that names the server); anything else as 500 {@code {"error":"internal error"}}, logged here with its
 * stack trace. No class name or stack trace reaches a client. Registered by {@link HeraldApi} only: it is not a
 * {@code @Provider}, which every JAX-RS application of a WAR would pick up.
 */
public class ApiErrors implements ExceptionMapper<Throwable> {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class.getName());
    private static final String INTERNAL = "{\"error\":\"internal error\"}";

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof WebApplicationException web) {
            Response original = web.getResponse();
            if (original.getStatus() < 400) {
                return original; // a redirect, say: not an error
            }
            if (original.getStatus() >= 500) {
                LOG.log(Level.WARNING, "Herald API request failed with " + original.getStatus(), e);
            }
            String reason = original.getStatusInfo().getReasonPhrase();
            String message = reason == null || reason.isBlank() ? "error " + original.getStatus()
                    : reason.toLowerCase(Locale.ROOT);
            // A reason phrase is letters and spaces: nothing to escape.
            return Response.fromResponse(original).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity("{\"error\":\"" + message.replaceAll("[^a-z0-9 -]", "") + "\"}").build();
        }
        LOG.log(Level.WARNING, "Herald API request failed", e);
        return Response.serverError().type(MediaType.APPLICATION_JSON_TYPE).entity(INTERNAL).build();
    }
}
