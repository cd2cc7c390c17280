package dev.herald.web;

import dev.herald.node.HeraldConfig;
import dev.herald.node.HeraldNode;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;
import java.security.Principal;
import java.util.List;

/**
 * Says who a new WebSocket session belongs to: the container-authenticated principal when the upgrade
 * request has one, otherwise the {@code sub} of the {@code token} query parameter.
 */
@ApplicationScoped
public class Authenticator {

    @Inject
    HeraldNode heraldNode;

    private TokenVerifier tokens;
    private Node node;

    @PostConstruct
    void init() {
        node = heraldNode.node();
        HeraldConfig config = node.config();
        tokens = config.jwtSecret().isEmpty() ? null : new TokenVerifier(config.jwtSecret());
    }

    /**
     * Returns the user id of {@code session}.
     *
     * @throws TokenVerifier.InvalidTokenException saying why the session has no valid identity
     */
    public String userOf(Session session) {
        Principal principal = session.getUserPrincipal();
        if (principal != null && principal.getName() != null && !principal.getName().isEmpty()) {
            return principal.getName();
        }
        List<String> token = session.getRequestParameterMap().get("token");
        if (tokens == null) {
            throw new TokenVerifier.InvalidTokenException(
                    "not authenticated, and token login is off (herald.jwt.secret is not set)");
        }
        if (token == null || token.isEmpty()) {
            throw new TokenVerifier.InvalidTokenException("no token: connect to /ws?token=JWT");
        }
        return tokens.verify(token.get(0));
    }

    /**
     * This server's node. Endpoints reach it through this shared bean rather than injecting the EJB each:
     * an injected EJB reference per connection costs heap on every idle connection.
     */
    public Node node() {
        return node;
    }

    /** The verifier for tokens, or {@code null} when {@code herald.jwt.secret} is not set. */
    public TokenVerifier tokens() {
        return tokens;
    }
}
