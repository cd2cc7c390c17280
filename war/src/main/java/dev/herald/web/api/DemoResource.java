package dev.herald.web.api;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import dev.herald.web.Authenticator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
import java.time.Duration;

/**
 * The demo page's helpers, answered only when {@code herald.demo=true} (404 otherwise): a token for any user
 * name, and sending a notice without the API key. Never enable in production.
 */
@Path("demo")
@ApplicationScoped
public class DemoResource {

    @Inject
    HeraldNode heraldNode;

    @Inject
    Authenticator authenticator;

    @GET
    @Path("token")
    @Produces(MediaType.APPLICATION_JSON)
    public Response token(@QueryParam("user") String user) {
        Node node = heraldNode.node();
        if (!node.config().demo()) {
            return Problems.of(node.codec(), Response.Status.NOT_FOUND, "demo mode is off");
        }
        try {
            Recipient.checkId("user", user);
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        }
        String token = authenticator.tokens().sign(user, Duration.ofHours(1));
        return Response.ok(node.codec().json().createObjectBuilder().add("token", token).build().toString()).build();
    }

    @POST
    @Path("send")
    @Produces(MediaType.APPLICATION_JSON)
    public Response send(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength, InputStream input) {
        Node node = heraldNode.node();
        if (!node.config().demo()) {
            return Problems.of(node.codec(), Response.Status.NOT_FOUND, "demo mode is off");
        }
        try {
            String body = JsonBody.read(contentType, contentLength, input, node.config().maxNoticeBytes() + 1024,
                    "herald.notice.max-bytes + 1024");
            JsonObject object = node.codec().readObject(body, "body");
            Notice notice = node.codec().notice(object);
            String id = node.send(notice);
            return Response.accepted(node.codec().json().createObjectBuilder().add("id", id).build().toString())
                    .build();
        } catch (InvalidNoticeException e) {
            return Problems.of(node.codec(), Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            return Problems.of(node.codec(), Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        } catch (JsonBody.Refused e) {
            return Problems.of(node.codec(), e.status, e.getMessage());
        }
    }
}
