package dev.herald.web.api;

import dev.herald.HeraldUnavailableException;
import dev.herald.Recipient;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import dev.herald.node.RecentFailures;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /herald/api/admin}, with the API key: what the admin page ({@code /herald/admin/}) shows, as seen from
 * the node that answers: the live nodes of the cluster with their session counts, the users and sessions online,
 * this node's busiest channels, its counters since start (the page turns them into rates), its recent warnings, and
 * the state of its Redis connection. Reads a few small values from Redis ({@code HLEN} per live node, the totals);
 * when Redis cannot answer, the cluster part says so and the node's own part still comes.
 */
@Path("admin")
@ApplicationScoped
public class AdminResource {

    private static final int BUSIEST = 10;

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response overview(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Response refused = key.refuseUnlessAuthorized(authorization, InputStream.nullInputStream());
        if (refused != null) {
            return refused;
        }
        Node node = heraldNode.node();
        JsonProvider json = node.codec().json();
        JsonObjectBuilder out = json.createObjectBuilder()
                .add("node", node.id())
                .add("at", System.currentTimeMillis())
                .add("engine", node.engineDescription())
                .add("receiving", node.isReceiving())
                .add("draining", node.isDraining())
                .add("localSessions", node.hub().size());
        try {
            JsonArrayBuilder nodes = json.createArrayBuilder();
            for (String live : node.registry().liveNodes().stream().sorted().toList()) {
                nodes.add(json.createObjectBuilder().add("node", live)
                        .add("sessions", node.registry().countOn(live)).add("self", live.equals(node.id())));
            }
            dev.herald.Presence.Totals totals = node.presence().totals();
            out.add("nodes", nodes).add("users", totals.users()).add("sessions", totals.sessions());
        } catch (HeraldUnavailableException e) {
            out.add("clusterError", "Redis cannot answer: " + e.getMessage());
        }
        JsonArrayBuilder channels = json.createArrayBuilder();
        node.hub().channels().stream()
                .map(c -> Map.entry(c, node.hub().ofChannel(c).size()))
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(BUSIEST)
                .forEach(e -> channels.add(json.createObjectBuilder().add("channel", e.getKey())
                        .add("sessions", e.getValue())));
        out.add("channels", channels);
        JsonObjectBuilder counters = json.createObjectBuilder();
        long sent = 0;
        for (Recipient.Kind kind : Recipient.Kind.values()) {
            sent += node.metrics().sent(kind);
        }
        counters.add("sent", sent).add("received", node.router().received()).add("queued", node.router().delivered())
                .add("dropped", node.router().dropped());
        out.add("counters", counters);
        out.add("lagMillis", node.router().lagMillis());
        JsonArrayBuilder failures = json.createArrayBuilder();
        List<RecentFailures.Failure> recent = node.recentFailures().newestFirst();
        for (RecentFailures.Failure f : recent) {
            failures.add(json.createObjectBuilder().add("at", f.at()).add("logger", f.logger())
                    .add("message", f.message()));
        }
        out.add("failures", failures);
        return Response.ok(out.build().toString()).build();
    }
}
