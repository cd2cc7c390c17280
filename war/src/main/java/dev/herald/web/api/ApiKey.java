package dev.herald.web.api;

import dev.herald.engine.NoticeCodec;
import dev.herald.node.HeraldNode;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The REST API's key, {@code Authorization: Bearer <herald.api.key>}: the scheme name matched case-insensitively,
 * the key in constant time. Without {@code herald.api.key} the API is off.
 */
@ApplicationScoped
public class ApiKey {

    private static final String BEARER = "bearer ";
    /** What is read and dropped of a body refused before its sender is known: enough for small requests. */
    private static final long UNAUTHENTICATED_SWALLOW = 64 * 1024;

    @Inject
    HeraldNode heraldNode;

    private NoticeCodec codec;
    private byte[] key;

    @PostConstruct
    void init() {
        codec = heraldNode.node().codec();
        String configured = heraldNode.node().config().apiKey();
        key = configured.isEmpty() ? null : configured.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The answer for a request that does not carry the key (401), or when the API is off (403), having read and
     * dropped a little of its body; {@code null} when it may go on.
     */
    Response refuseUnlessAuthorized(String authorization, InputStream body) {
        if (key == null) {
            JsonBody.swallow(body, UNAUTHENTICATED_SWALLOW);
            return Problems.of(codec, Response.Status.FORBIDDEN, "the publish API is off: set herald.api.key");
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || !MessageDigest.isEqual(key,
                        authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8))) {
            JsonBody.swallow(body, UNAUTHENTICATED_SWALLOW);
            return Response.fromResponse(Problems.of(codec, Response.Status.UNAUTHORIZED,
                    "missing or wrong Authorization: Bearer <herald.api.key>"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
        }
        return null;
    }
}
