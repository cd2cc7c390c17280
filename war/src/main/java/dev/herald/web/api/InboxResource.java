package dev.herald.web.api;

import dev.herald.HeraldUnavailableException;
import dev.herald.Inbox;
import dev.herald.InvalidNoticeException;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * A user's inbox, with the API key: {@code GET /herald/api/inbox?user=alice} answers
 * {@code {"user":"alice","epoch":"...","offset":N,"read":C,"unread":K}} (the stream's position, the read cursor
 * and how many retained notices follow it); {@code POST /herald/api/inbox} with {@code {"user":"alice","read":N}}
 * marks the user's notices read up to N (the cursor only moves forward) and answers the same. 400 for a bad user
 * id, an offset past the stream's end, or where notices to users are not kept; 401, 403, 413, 415 and 503 as
 * {@code POST /herald/api/notices} does.
 */
@Path("inbox")
@ApplicationScoped
public class InboxResource {

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

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response read(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @QueryParam("user") String user) {
        Response refused = key.refuseUnlessAuthorized(authorization, InputStream.nullInputStream());
        if (refused != null) {
            return refused;
        }
        try {
            if (user == null) {
                throw new InvalidNoticeException("give ?user=");
            }
            return answer(Response.ok(), node.inbox().state(user));
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            return Problems.unavailable(node.codec(), "Redis is unavailable: the inbox cannot be read now");
        }
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response markRead(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength, InputStream body) {
        Response refused = key.refuseUnlessAuthorized(authorization, body);
        if (refused != null) {
            return refused;
        }
        try {
            JsonObject request = node.codec().readObject(JsonBody.read(contentType, contentLength, body, MAX_BODY,
                    "the inbox body's limit"), "body");
            String user = request.getString("user", null);
            if (user == null || !(request.get("read") instanceof JsonNumber read) || !read.isIntegral()
                    || read.toString().length() > 18) {
                throw new InvalidNoticeException("the body needs a string 'user' and a whole number 'read'");
            }
            return answer(Response.ok(), node.inbox().markRead(user, read.longValue()));
        } catch (JsonBody.Refused e) {
            return Problems.of(node.codec(), e.status, e.getMessage());
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            return Problems.unavailable(node.codec(), "Redis is unavailable: nothing was marked read");
        }
    }

    private Response answer(Response.ResponseBuilder status, Inbox.State state) {
        return status.entity(node.codec().json().createObjectBuilder().add("user", state.user())
                .add("epoch", state.epoch()).add("offset", state.offset()).add("read", state.read())
                .add("unread", state.unread()).build().toString()).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
