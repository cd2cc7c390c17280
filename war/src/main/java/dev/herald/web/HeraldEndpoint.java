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
 * {@code ws://HOST:PORT/herald/ws}: the WebSocket endpoint, kept thin. On open it checks the origin and the
 * identity, then registers the session with the node; on close or error it unregisters it. Every frame to the
 * client goes through the session's {@link SessionSender}.
 *
 * <p>The identity is the container-authenticated principal, or the token of a {@code ?token=JWT} query
 * parameter, or, when the upgrade request has neither, the token of the connection's first frame,
 * {@code {"type":"auth","token":"JWT"}}, which must come within {@code herald.ws.auth-timeout}. Until then the
 * connection is registered nowhere and gets nothing.
 *
 * <p>Close codes: {@value #CLOSE_UNAUTHORIZED} no valid identity, {@value #CLOSE_ORIGIN_REFUSED} origin not
 * allowed, 1013 the engine cannot register the session now (retry later), 4429 too slow, 4408 idle (no frame
 * or pong for {@code herald.ws.idle-timeout}), 1001 node shutting down, 1009 frame larger than
 * {@code herald.ws.max-frame}. Nothing is registered for a refused connection.
 */
@ServerEndpoint(value = "/ws", configurator = OriginCheck.class)
public class HeraldEndpoint {

    /** Close code for a connection without a valid token or principal. */
    public static final int CLOSE_UNAUTHORIZED = Node.CLOSE_UNAUTHORIZED;
    /** Close code for a connection from an origin that {@code herald.ws.allowed-origins} does not allow. */
    public static final int CLOSE_ORIGIN_REFUSED = 4403;

    /** Close code for a client frame larger than {@code herald.ws.max-frame} (the standard "message too big"). */
    public static final int CLOSE_TOO_BIG = 1009;

    private static final Logger LOG = Logger.getLogger(HeraldEndpoint.class.getName());

    @Inject
    Authenticator authenticator;

    private Node node;
    private volatile SessionSender sender;
    /** While the auth frame is awaited: this connection as the node closes it should the frame not come. */
    private volatile Node.Connection awaitingAuth;
    private volatile boolean closed;

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
        // No container idle timeout (0 turns off a server default): Tyrus reschedules its timer through the
        // managed scheduler on every send, which cost Payara most of its push throughput. The node runs its
        // own idle check on pongs and frames (herald.ws.idle-timeout).
        session.setMaxIdleTimeout(0);
        session.setMaxTextMessageBufferSize(config.maxFrameBytes());
        if (authenticator.awaitsAuthFrame(session)) {
            Node.Connection connection = (code, reason) -> WebSocketTransport.close(session, code, reason);
            awaitingAuth = connection;
            try {
                node.awaitAuth(connection);
            } catch (HeraldUnavailableException e) {
                awaitingAuth = null;
                refuse(session, Node.CLOSE_TRY_AGAIN_LATER, "try again later");
            }
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
        connect(session, user);
    }

    private void connect(Session session, String user) {
        try {
            sender = node.connect(user, new WebSocketTransport(session, node.config().rawFrames()));
        } catch (HeraldUnavailableException e) {
            LOG.warning(() -> "Refused WebSocket of " + user + ": " + e.getMessage());
            refuse(session, Node.CLOSE_TRY_AGAIN_LATER, "try again later");
            return;
        }
        if (closed) {
            node.disconnect(sender); // closed while connecting: the close event may not have seen the sender
        }
    }

    /** The connection's first frame, when its identity comes in it. */
    private void authenticate(Session session, Node.Connection connection, String text) {
        awaitingAuth = null;
        if (!node.authArrived(connection)) {
            return; // the wait is over: the node is closing the connection (time-out or shutdown)
        }
        String user;
        try {
            user = authenticator.userOfAuthFrame(text);
        } catch (TokenVerifier.InvalidTokenException e) {
            LOG.info(() -> "Refused WebSocket: " + e.getMessage());
            WebSocketTransport.close(session, CLOSE_UNAUTHORIZED, "unauthorized: " + e.getMessage());
            return;
        }
        connect(session, user);
    }

    /**
     * Closes a refused connection once {@code @OnOpen} has returned: on Payara, a close from inside onOpen
     * sometimes races Tyrus's own upgrade handling, and the client then never gets the close frame.
     */
    private void refuse(Session session, int code, String reason) {
        node.later(() -> WebSocketTransport.close(session, code, reason));
    }

    @OnMessage
    public void message(Session session, String text) {
        // Not every container applies setMaxTextMessageBufferSize (Tyrus does not): check here too.
        if (text.length() > node.config().maxFrameBytes()) {
            WebSocketTransport.close(session, CLOSE_TOO_BIG, "frame larger than " + node.config().maxFrameBytes());
            return;
        }
        SessionSender s = sender;
        if (s != null) {
            node.receive(s, text);
            return;
        }
        Node.Connection connection = awaitingAuth;
        if (connection != null) {
            authenticate(session, connection, text);
        }
    }

    @OnMessage
    public void pong(PongMessage pong) {
        SessionSender s = sender;
        if (s != null) {
            s.heard();
        }
    }

    @OnClose
    public void close(CloseReason reason) {
        closed = true;
        Node.Connection connection = awaitingAuth;
        if (connection != null) {
            node.authArrived(connection); // no longer waited for
        }
        SessionSender s = sender;
        if (s != null) {
            node.disconnect(s);
        }
    }

    @OnError
    public void error(Session session, Throwable error) {
        SessionSender s = sender;
        LOG.log(Level.FINE, "WebSocket error" + (s == null ? "" : " on " + s.id()), error);
        if (s != null) {
            node.disconnect(s);
        }
        if (session.isOpen()) {
            WebSocketTransport.close(session, 1011, "internal error");
        }
    }
}
