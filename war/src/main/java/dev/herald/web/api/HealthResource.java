package dev.herald.web.api;

import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /herald/api/health}: 200 while this node receives notices from its engine, 503 while it does
 * not (Redis unreachable), for load balancers. The body names the node, its engine kind, its session count and
 * its notice counters since start: received through the engine, frames queued for local sessions, engine
 * messages dropped as malformed (no addresses: it needs no authentication).
 */
@Path("health")
@ApplicationScoped
public class HealthResource {

    @Inject
    HeraldNode heraldNode;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        Node node = heraldNode.node();
        String body = node.codec().json().createObjectBuilder()
                .add("status", node.isReceiving() ? "up" : "down")
                .add("node", node.id())
                .add("engine", node.config().usesRedis() ? "redis" : "memory")
                .add("sessions", node.hub().size())
                .add("notices", node.codec().json().createObjectBuilder()
                        .add("received", node.router().received())
                        .add("queued", node.router().delivered())
                        .add("dropped", node.router().dropped()))
                .build().toString();
        return Response.status(node.isReceiving() ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE)
                .entity(body).build();
    }

    /**
     * {@code GET /herald/api/health/live}: 200 while the node runs, whatever Redis does (a restart would not
     * help), in the MicroProfile Health shape {@code {"status":"UP","checks":[{"name":"herald-node",...}]}}.
     */
    @GET
    @Path("live")
    @Produces(MediaType.APPLICATION_JSON)
    public Response live() {
        Node node = heraldNode.node();
        return check(node, "herald-node", !node.isStopped());
    }

    /**
     * {@code GET /herald/api/health/ready}: 200 while the node receives from its engine and is neither draining nor
     * stopping, 503 otherwise, in the MicroProfile Health shape, for load balancers' active checks. A lost Redis shows within
     * {@code herald.node.ttl} plus a heartbeat (a dropped connection at once); its return within the subscriber's
     * backoff (at most 5 s).
     */
    @GET
    @Path("ready")
    @Produces(MediaType.APPLICATION_JSON)
    public Response ready() {
        Node node = heraldNode.node();
        return check(node, "herald-engine", node.isReceiving() && !node.isStopped() && !node.isDraining());
    }

    private static Response check(Node node, String name, boolean up) {
        String status = up ? "UP" : "DOWN";
        String body = node.codec().json().createObjectBuilder().add("status", status)
                .add("checks", node.codec().json().createArrayBuilder().add(node.codec().json().createObjectBuilder()
                        .add("name", name).add("status", status).add("data", node.codec().json().createObjectBuilder()
                                .add("node", node.id()).add("engine", node.config().usesRedis() ? "redis" : "memory"))))
                .build().toString();
        return Response.status(up ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE).entity(body).build();
    }
}
