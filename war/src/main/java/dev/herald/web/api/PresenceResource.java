package dev.herald.web.api;

import dev.herald.ChannelPresence;
import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Presence;
import dev.herald.UserPresence;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * {@code GET /herald/api/presence}, with the API key: {@code ?user=alice} answers
 * {@code {"user":"alice","online":true,"sessions":[{"session":"...","node":"..."}]}}; {@code ?channel=room:lobby}
 * answers {@code {"channel":"room:lobby","users":[...],"userCount":N,"sessions":M}}, the users in id order and at
 * most {@code herald.presence.max-users} of them, with {@code "next":id} when more follow ({@code &after=id} asks
 * for them); no parameter answers the totals, {@code {"users":N,"sessions":M}}. 400 for a bad or a second
 * parameter, 401, 403 and 503 as {@code POST /herald/api/notices} does.
 */
@Path("presence")
@ApplicationScoped
public class PresenceResource {

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    private Node node;

    @PostConstruct
    void init() {
        node = heraldNode.node();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response read(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("user") String user, @QueryParam("channel") String channel, @QueryParam("after") String after) {
        Response refused = key.refuseUnlessAuthorized(authorization, InputStream.nullInputStream());
        if (refused != null) {
            return refused;
        }
        Presence presence = node.presence();
        try {
            JsonObjectBuilder answer = node.codec().json().createObjectBuilder();
            if (user != null && channel == null && after == null) {
                UserPresence found = presence.user(user);
                JsonArrayBuilder sessions = node.codec().json().createArrayBuilder();
                found.sessions().forEach(s -> sessions.add(node.codec().json().createObjectBuilder()
                        .add("session", s.session()).add("node", s.node())));
                answer.add("user", user).add("online", found.online()).add("sessions", sessions);
            } else if (channel != null && user == null) {
                ChannelPresence found = presence.channel(channel, after);
                answer.add("channel", channel).add("users", node.codec().json().createArrayBuilder(found.users()))
                        .add("userCount", found.userCount()).add("sessions", found.sessions());
                if (found.next() != null) {
                    answer.add("next", found.next());
                }
            } else if (user == null && channel == null && after == null) {
                Presence.Totals totals = presence.totals();
                answer.add("users", totals.users()).add("sessions", totals.sessions());
            } else {
                throw new InvalidNoticeException("give one of ?user=, ?channel= (with &after= for a next page) or none");
            }
            return Response.ok(answer.build().toString(), MediaType.APPLICATION_JSON_TYPE).build();
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            return Problems.unavailable(node.codec(), "Redis is unavailable: presence cannot be read now");
        }
    }
}
