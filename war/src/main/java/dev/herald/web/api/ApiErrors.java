package dev.herald.web.api;

import dev.herald.node.HeraldNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every error of the API the JAX-RS runtime raises itself (an unknown path under {@code /herald/api}, a method
 * that a resource does not take, an unacceptable {@code Accept}) as the API's JSON error body with its status,
 * the same on every server, rather than the container's error page (an HTML report on Payara that names the
 * server); anything else as 500 {@code {"error":"internal error"}}, logged here with its stack trace. No class
 * name or stack trace ever reaches a client.
 */
@Provider
public class ApiErrors implements ExceptionMapper<Throwable> {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class.getName());

    @Inject
    HeraldNode heraldNode;

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof WebApplicationException web && web.getResponse().getStatus() < 500) {
            Response.StatusType status = web.getResponse().getStatusInfo();
            Response.ResponseBuilder answer = Response.fromResponse(Problems.of(heraldNode.node().codec(),
                    status, status.getReasonPhrase().toLowerCase(Locale.ROOT)));
            Object allow = web.getResponse().getHeaders().getFirst("Allow");
            return allow == null ? answer.build() : answer.header("Allow", allow).build();
        }
        LOG.log(Level.WARNING, "Herald API request failed", e);
        return Problems.of(heraldNode.node().codec(), Response.Status.INTERNAL_SERVER_ERROR, "internal error");
    }
}
