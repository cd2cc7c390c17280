package dev.herald.web;

import dev.herald.InvalidNoticeException;
import dev.herald.node.HeraldConfig;
import dev.herald.node.HeraldNode;
import dev.herald.node.LogLimit;
import dev.herald.node.Node;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;
import java.security.Principal;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Says who a new WebSocket session belongs to: the container-authenticated principal when the upgrade
 * request has one, else the {@code sub} of a {@code token} query parameter, else (see {@link #awaitsAuthFrame})
 * the {@code sub} of the token in the connection's first frame.
 */
@ApplicationScoped
public class Authenticator {

    @Inject
    HeraldNode heraldNode;

    private static final Logger LOG = Logger.getLogger(Authenticator.class.getName());

    private final LogLimit refusals = new LogLimit(LOG, Level.INFO);
    private TokenVerifier tokens;
    private Node node;

    @PostConstruct
    void init() {
        node = heraldNode.node();
        HeraldConfig config = node.config();
        tokens = config.jwtSecret().isEmpty() ? null : new TokenVerifier(config.jwtSecret());
    }

    /**
     * Whether {@code session} has no identity yet and may send one in its first frame: no principal, no
     * {@code token} query parameter, and token login on.
     */
    public boolean awaitsAuthFrame(Session session) {
        return tokens != null && principalOf(session) == null && !session.getRequestParameterMap().containsKey("token");
    }

    /**
     * Returns the user id of {@code session} from its principal or its {@code token} query parameter.
     *
     * @throws TokenVerifier.InvalidTokenException saying why the session has no valid identity
     */
    public String userOf(Session session) {
        String principal = principalOf(session);
        if (principal != null) {
            return principal;
        }
        if (tokens == null) {
            throw new TokenVerifier.InvalidTokenException(
                    "not authenticated, and token login is off (herald.jwt.secret is not set)");
        }
        List<String> token = session.getRequestParameterMap().get("token");
        return tokens.verify(token == null || token.isEmpty() ? null : token.get(0));
    }

    /**
     * Returns the user id of the token in a connection's first frame, {@code {"type":"auth","token":"JWT"}}.
     *
     * @throws TokenVerifier.InvalidTokenException saying why the frame gives no valid identity
     */
    public String userOfAuthFrame(String frame) {
        try {
            return tokens.verify(node.authToken(frame));
        } catch (InvalidNoticeException e) {
            throw new TokenVerifier.InvalidTokenException(e.getMessage());
        }
    }

    /**
     * Logs that a connection was refused for its identity, in one line, at most one line per
     * {@value dev.herald.node.LogLimit#INTERVAL_SECONDS} s (a flood of bad tokens must not flood the log).
     */
    public void logRefusal(String reason) {
        refusals.log(() -> "Refused WebSocket: " + reason);
    }

    private static String principalOf(Session session) {
        Principal principal = session.getUserPrincipal();
        return principal == null || principal.getName() == null || principal.getName().isEmpty()
                ? null : principal.getName();
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
