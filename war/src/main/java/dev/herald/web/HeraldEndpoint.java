package dev.herald.web;

import dev.herald.HeraldUnavailableException;
import dev.herald.node.HeraldConfig;
import dev.herald.node.Node;
import dev.herald.node.SessionSender;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ws://HOST:PORT/herald/ws?token=JWT}: the WebSocket endpoint, kept thin. On open it checks the origin
 * and the identity, then registers the session with the node; on close or error it unregisters it. Every
 * frame to the client goes through the session's {@link SessionSender}.
 *
 * <p>Close codes: {@value #CLOSE_UNAUTHORIZED} no valid identity, {@value #CLOSE_ORIGIN_REFUSED} origin not
 * allowed, 1013 the engine cannot register the session now (retry later), 4429 too slow, 4408 idle (no frame
 * or pong for {@code herald.ws.idle-timeout}), 1001 node shutting down, 1009 frame larger than
 * {@code herald.ws.max-frame}. Nothing is registered for a refused connection.
 */
@ServerEndpoint(value = "/ws", configurator = OriginCheck.class)
public class HeraldEndpoint {

    /** Close code for a connection without a valid token or principal. */
    public static final int CLOSE_UNAUTHORIZED = 4401;
    /** Close code for a connection from an origin that {@code herald.ws.allowed-origins} does not allow. */
    public static final int CLOSE_ORIGIN_REFUSED = 4403;

    /** Close code for a client frame larger than {@code herald.ws.max-frame} (the standard "message too big"). */
    public static final int CLOSE_TOO_BIG = 1009;

    private static final Logger LOG = Logger.getLogger(HeraldEndpoint.class.getName());

    @Inject
    Authenticator authenticator;

    private Node node;
    private SessionSender sender;

    @OnOpen
    public void open(Session session) {
        node = authenticator.node();
        HeraldConfig config = node.config();
        Object refusedOrigin = session.getUserProperties().get(OriginCheck.REFUSED_ORIGIN);
        if (refusedOrigin != null) {
            LOG.info(() -> "Refused WebSocket from origin " + refusedOrigin);
            refuse(session, CLOSE_ORIGIN_REFUSED, "origin not allowed: " + refusedOrigin);
            return;
        }
        String user;
        try {
            user = authenticator.userOf(session);
        } catch (TokenVerifier.InvalidTokenException e) {
            LOG.info(() -> "Refused WebSocket: " + e.getMessage());
            refuse(session, CLOSE_UNAUTHORIZED, "unauthorized: " + e.getMessage());
            return;
        }
        // No container idle timeout (0 turns off a server default): Tyrus reschedules its timer through the
        // managed scheduler on every send, which cost Payara most of its push throughput. The node runs its
        // own idle check on pongs and frames (herald.ws.idle-timeout).
        session.setMaxIdleTimeout(0);
        session.setMaxTextMessageBufferSize(config.maxFrameBytes());
        try {
            sender = node.connect(user, new WebSocketTransport(session, node.config().rawFrames()));
        } catch (HeraldUnavailableException e) {
            LOG.warning(() -> "Refused WebSocket of " + user + ": " + e.getMessage());
            refuse(session, Node.CLOSE_TRY_AGAIN_LATER, "try again later");
        }
    }

    /**
     * Closes a refused connection once {@code @OnOpen} has returned: on Payara, a close from inside onOpen
     * sometimes races Tyrus's own upgrade handling, and the client then never gets the close frame.
     */
    private void refuse(Session session, int code, String reason) {
        try {
            node.later(() -> WebSocketTransport.close(session, code, reason));
        } catch (RuntimeException rejected) {
            WebSocketTransport.close(session, code, reason);
        }
    }

    @OnMessage
    public void message(Session session, String text) {
        if (sender == null) {
            return;
        }
        // Not every container applies setMaxTextMessageBufferSize (Tyrus does not): check here too.
        if (text.length() > node.config().maxFrameBytes()) {
            WebSocketTransport.close(session, CLOSE_TOO_BIG, "frame larger than " + node.config().maxFrameBytes());
            return;
        }
        node.receive(sender, text);
    }

    @OnMessage
    public void pong(PongMessage pong) {
        if (sender != null) {
            sender.heard();
        }
    }

    @OnClose
    public void close(CloseReason reason) {
        if (sender != null) {
            node.disconnect(sender);
        }
    }

    @OnError
    public void error(Session session, Throwable error) {
        LOG.log(Level.FINE, "WebSocket error" + (sender == null ? "" : " on " + sender.id()), error);
        if (sender != null) {
            node.disconnect(sender);
        }
        if (session.isOpen()) {
            WebSocketTransport.close(session, 1011, "internal error");
        }
    }
}
