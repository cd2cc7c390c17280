package dev.herald.web.api;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * {@code POST /herald/api/subscriptions}: subscribes every session a user has now, on every node, to a channel,
 * or unsubscribes them, as {@code NoticeService.subscribe(user, channel)} does: body
 * {@code {"user":"alice","channel":"room:lobby","subscribed":true}} ({@code false} to unsubscribe). The channel's
 * authorizer is not asked: the caller holds the API key.
 *
 * <p>Answers 202 with the request echoed; 400 for a bad user id, channel name or body; 401, 403, 413, 415 and 503
 * as {@code POST /herald/api/notices} does (see {@link NoticesResource}). The channel name travels in the body, not
 * the path: it may hold a {@code /}, which servers refuse encoded in a path segment.
 */
@Path("subscriptions")
@ApplicationScoped
public class SubscriptionsResource {

    private static final int MAX_BODY = 4096;

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    private Node node;

    @PostConstruct
    void init() {
        node = heraldNode.node();
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response subscribe(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength, InputStream body) {
        Response refused = key.refuseUnlessAuthorized(authorization, body);
        if (refused != null) {
            return refused;
        }
        try {
            JsonObject request = node.codec().readObject(JsonBody.read(contentType, contentLength, body, MAX_BODY,
                    "the subscription body's limit"), "body");
            JsonValue subscribed = request.get("subscribed");
            if (subscribed != JsonValue.TRUE && subscribed != JsonValue.FALSE) {
                throw new InvalidNoticeException("'subscribed' must be true or false");
            }
            String user = request.getString("user", null);
            String channel = request.getString("channel", null);
            if (user == null || channel == null) {
                throw new InvalidNoticeException("the body needs a string 'user' and a string 'channel'");
            }
            node.subscribe(user, channel, subscribed == JsonValue.TRUE);
            return Response.accepted(node.codec().json().createObjectBuilder().add("user", user)
                    .add("channel", channel).add("subscribed", subscribed).build().toString())
                    .type(MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonBody.Refused e) {
            return Problems.of(node.codec(), e.status, e.getMessage());
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            return Problems.unavailable(node.codec(), "Redis is unavailable: nothing was subscribed");
        }
    }
}
