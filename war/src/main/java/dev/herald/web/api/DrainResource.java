package dev.herald.web.api;

import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * {@code POST /herald/api/drain[?spread=ms]}, with the API key: drains the node that answers (see
 * {@link Node#drain}): readiness goes down, new sessions are refused with 1013, and its sessions are closed with
 * 1001 over {@code spread} milliseconds (default 5,000, at most 600,000), so that their clients resume on other
 * nodes; answers 202 {@code {"node":...,"draining":true,"closing":N}}. {@code DELETE} ends the drain (200). Each
 * node drains itself: call the node's own address, not the load balancer's.
 */
@Path("drain")
@ApplicationScoped
public class DrainResource {

    private static final long DEFAULT_SPREAD_MILLIS = 5_000;
    private static final long MAX_SPREAD_MILLIS = 600_000;

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response drain(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, InputStream body,
            @QueryParam("spread") String spread) {
        Response refused = key.refuseUnlessAuthorized(authorization, body);
        if (refused != null) {
            return refused;
        }
        Node node = heraldNode.node();
        long millis;
        try {
            millis = spread == null ? DEFAULT_SPREAD_MILLIS : Long.parseLong(spread);
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0 || millis > MAX_SPREAD_MILLIS) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST,
                    "spread must be 0 to " + MAX_SPREAD_MILLIS + " milliseconds");
        }
        int closing = node.drain(millis);
        return Response.accepted(node.codec().json().createObjectBuilder().add("node", node.id())
                .add("draining", true).add("closing", closing).build().toString()).build();
    }

    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public Response undrain(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Response refused = key.refuseUnlessAuthorized(authorization, InputStream.nullInputStream());
        if (refused != null) {
            return refused;
        }
        Node node = heraldNode.node();
        node.undrain();
        return Response.ok(node.codec().json().createObjectBuilder().add("node", node.id()).add("draining", false)
                .build().toString()).build();
    }
}
