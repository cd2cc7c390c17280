package dev.herald.web.api;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.engine.NoticeCodec;
import dev.herald.engine.RestNotices;
import dev.herald.node.HeraldNode;
import dev.herald.node.LogLimit;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /herald/api/notices}: publishes one notice or a JSON array of them, each
 * {@code {"to":{"user":id}|{"session":id}|{"all":true},"event":"...","data":...}}.
 *
 * <p>Needs {@code Authorization: Bearer <herald.api.key>} and a UTF-8 {@code application/json} body (see
 * {@link JsonBody}). Answers 202 with {@code {"ids":[...]}}; 400 with the reason and the index of the first bad
 * notice (then nothing of the body is sent), or for a body that is not valid UTF-8; 401 without the key; 403
 * when no key is configured (the API is off); 413 over {@code herald.api.max-body}; 415 for another content
 * type; 503 when Redis is down (a failure mid-pipeline may have sent some of the notices). The scheme name is
 * case-insensitive. Refusals are logged in one line, at most one per 10 s.
 */
@Path("notices")
@ApplicationScoped
public class NoticesResource {

    private static final Logger LOG = Logger.getLogger(NoticesResource.class.getName());
    private final LogLimit refusals = new LogLimit(LOG, Level.INFO);

    @Inject
    HeraldNode heraldNode;

    @Inject
    ApiKey key;

    private Node node;
    private NoticeCodec codec;
    private RestNotices bodies;

    @PostConstruct
    void init() {
        node = heraldNode.node();
        codec = node.codec();
        bodies = new RestNotices(codec.json());
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response publish(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength, InputStream body) {
        Response refused = key.refuseUnlessAuthorized(authorization, body);
        if (refused != null) {
            return refused;
        }
        try {
            String text = JsonBody.read(contentType, contentLength, body, node.config().apiMaxBodyBytes(),
                    "herald.api.max-body");
            List<String> ids = node.sendDrafts(bodies.read(text, node.config().apiMaxNotices()));
            StringBuilder answer = new StringBuilder(16 + ids.size() * 24).append("{\"ids\":[");
            for (int i = 0; i < ids.size(); i++) {
                // ids are made by this node of letters, digits, '_' and '-': nothing to escape
                answer.append(i == 0 ? "\"" : ",\"").append(ids.get(i)).append('"');
            }
            return Response.accepted(answer.append("]}").toString()).type(MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonBody.Refused e) {
            refusals.log(() -> "Publish API refused a request with " + e.status.getStatusCode() + ": " + e.getMessage());
            return Problems.of(codec, e.status, e.getMessage());
        } catch (InvalidNoticeException e) {
            refusals.log(() -> "Publish API refused a body with 400: " + LogLimit.printable(e.getMessage(), 200)
                    + (e.index() >= 0 ? " (notice " + e.index() + ")" : ""));
            return e.index() >= 0 ? Problems.at(codec, e.index(), e.getMessage())
                    : Problems.of(codec, Response.Status.BAD_REQUEST, e.getMessage());
        } catch (HeraldUnavailableException e) {
            LOG.warning(() -> "Publish API: " + e.getMessage());
            return Problems.unavailable(codec, "Redis is unavailable: the notices were not sent, or not all of them");
        }
    }

}
