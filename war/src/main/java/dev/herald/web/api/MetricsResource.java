package dev.herald.web.api;

import dev.herald.node.HeraldNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * {@code GET /herald/api/metrics}, with the API key: this node's metrics in the Prometheus text format (see
 * {@link dev.herald.node.NodeMetrics}); 401 without the key or with a wrong one, 403 when no key is configured.
 * Each node answers for itself: scrape every node.
 */
@Path("metrics")
@ApplicationScoped
public class MetricsResource {

    /** The Prometheus text exposition format that {@code scrape()} writes. */
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    @GET
    public Response scrape(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Response refused = key.refuseUnlessAuthorized(authorization, InputStream.nullInputStream());
        if (refused != null) {
            return refused;
        }
        return Response.ok(heraldNode.node().metrics().scrape(), TEXT_FORMAT).build();
    }
}
