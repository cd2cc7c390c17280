package dev.herald.web;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.node.Resume;
import dev.herald.node.HeraldConfig;
import dev.herald.node.Node;
import dev.herald.node.SessionSender;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.nio.ByteBuffer;
import java.util.List;
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
 * <p>Text arrives in parts, as the container reads them, and the endpoint puts a message together itself,
 * closing the connection with {@value #CLOSE_TOO_BIG} as soon as it passes {@code herald.ws.max-frame}: the
 * containers' own limits do not hold for a single large frame (Undertow 2.3 checks only its first reads, Tyrus
 * only fragmented messages), and a part is all a connection holds beyond the limit. On Tyrus a frame's part
 * comes only once the whole frame is buffered, up to {@code org.glassfish.tyrus.servlet.incoming-buffer-size}
 * (see {@link TyrusFrameBuffer}). Binary frames are not part of the protocol: before the auth frame one closes
 * the connection with {@value #CLOSE_UNAUTHORIZED}, after it with {@value #CLOSE_UNSUPPORTED}.
 *
 * <p>Close codes: {@value #CLOSE_UNAUTHORIZED} no valid identity, {@value #CLOSE_ORIGIN_REFUSED} origin not
 * allowed, 1013 the engine cannot register the session now (retry later), 4430 its user has
 * {@code herald.session.max-per-user} sessions open already, 4429 too slow, 4408 idle (no frame
 * or pong for {@code herald.ws.idle-timeout}), 1001 node shutting down, 1009 frame larger than
 * {@code herald.ws.max-frame}, 1003 a binary frame. Nothing is registered for a refused connection.
 */
@Dependent // a CDI bean, so that every container makes it through CDI: Open Liberty injects only beans
@ServerEndpoint(value = "/ws", configurator = OriginCheck.class)
public class HeraldEndpoint {

    /**
     * Close code for a connection whose {@code since} (query parameter or auth frame) is not a position, or whose
     * auth frame's {@code inbox} is not a boolean.
     */
    public static final int CLOSE_BAD_SINCE = 1008;

    /** Close code for a connection without a valid token or principal. */
    public static final int CLOSE_UNAUTHORIZED = Node.CLOSE_UNAUTHORIZED;
    /** Close code for a connection from an origin that {@code herald.ws.allowed-origins} does not allow. */
    public static final int CLOSE_ORIGIN_REFUSED = 4403;

    /** Close code for a client frame larger than {@code herald.ws.max-frame} (the standard "message too big"). */
    public static final int CLOSE_TOO_BIG = 1009;
    /** Close code for a binary frame after authentication (the standard "unsupported data"). */
    public static final int CLOSE_UNSUPPORTED = 1003;

    private static final Logger LOG = Logger.getLogger(HeraldEndpoint.class.getName());
    /** The reason Tyrus gives when a frame does not fit its buffer (LocalizationMessages.BUFFER_OVERFLOW). */
    private static final String TYRUS_OVERFLOW = "Buffer overflow.";

    @Inject
    Authenticator authenticator;

    private Node node;
    private volatile SessionSender sender;
    /** While the auth frame is awaited: this connection as the node closes it should the frame not come. */
    private volatile Node.Connection awaitingAuth;
    private volatile boolean closed;
    /** The parts of a text message so far, while its last part has not come; {@code null} between messages. */
    private StringBuilder parts;
    /** Whether this endpoint closed the connection for what the client sent: what still arrives is dropped. */
    private volatile boolean refused;
    /** Tyrus's raw frame API for this session (herald.ws.raw-frames), or {@code null}. */
    private TyrusRawFrames tyrus;

    @OnOpen
    public void open(Session session) {
        node = authenticator.node();
        HeraldConfig config = node.config();
        Object refusedOrigin = session.getUserProperties().get(OriginCheck.REFUSED_ORIGIN);
        if (refusedOrigin != null) {
            LOG.info(() -> "Refused WebSocket from origin " + refusedOrigin);
            refuseLater(session, CLOSE_ORIGIN_REFUSED, "origin not allowed: " + refusedOrigin);
            return;
        }
        // No container idle timeout (0 turns off a server default): Tyrus reschedules its timer through the
        // managed scheduler on every send, which cost Payara most of its push throughput. The node runs its
        // own idle check on pongs and frames (herald.ws.idle-timeout).
        session.setMaxIdleTimeout(0);
        // Where a container applies these to parts and to frames as they stream in (Undertow does for binary),
        // they stop a large frame even earlier; the text check below does not rely on them.
        session.setMaxTextMessageBufferSize(config.maxFrameBytes());
        session.setMaxBinaryMessageBufferSize(config.maxFrameBytes());
        tyrus = config.rawFrames() && WebSocketTransport.isTyrus(session) ? TyrusRawFrames.of(session) : null;
        if (authenticator.awaitsAuthFrame(session)) {
            Node.Connection connection = (code, reason) -> WebSocketTransport.close(session, code, reason);
            awaitingAuth = connection;
            try {
                node.awaitAuth(connection);
            } catch (HeraldUnavailableException e) {
                awaitingAuth = null;
                refuseLater(session, Node.CLOSE_TRY_AGAIN_LATER, "try again later");
            }
            return;
        }
        String user;
        try {
            user = authenticator.userOf(session);
        } catch (TokenVerifier.InvalidTokenException e) {
            authenticator.logRefusal(e.getMessage());
            refuseLater(session, CLOSE_UNAUTHORIZED, "unauthorized: " + e.getMessage());
            return;
        }
        connect(session, user, session.getRequestParameterMap(), null);
    }

    /**
     * Connects the session of {@code user}, picking up its stream as the upgrade's query parameters say
     * ({@code since=EPOCH:OFFSET}, {@code inbox=true}) or, when the identity came in it, {@code authFrame} does.
     */
    private void connect(Session session, String user, java.util.Map<String, List<String>> parameters,
            String authFrame) {
        Resume resume;
        try {
            resume = authFrame != null ? node.authResume(authFrame)
                    : new Resume(Resume.since(first(parameters, "since")), "true".equals(first(parameters, "inbox")));
        } catch (InvalidNoticeException e) {
            refuseLater(session, CLOSE_BAD_SINCE, e.getMessage());
            return;
        }
        try {
            sender = node.connect(user, new WebSocketTransport(session, tyrus), resume);
        } catch (HeraldUnavailableException e) {
            LOG.warning(() -> "Refused WebSocket of " + user + ": " + e.getMessage());
            refuseLater(session, Node.CLOSE_TRY_AGAIN_LATER, "try again later");
            return;
        } catch (dev.herald.node.SessionLimitException e) {
            LOG.info(() -> "Refused WebSocket: " + e.getMessage());
            refuseLater(session, Node.CLOSE_TOO_MANY_SESSIONS, "too many sessions of this user");
            return;
        }
        if (closed) {
            node.disconnect(sender); // closed while connecting: the close event may not have seen the sender
        }
    }

    private static String first(java.util.Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
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
            authenticator.logRefusal(e.getMessage());
            WebSocketTransport.close(session, CLOSE_UNAUTHORIZED, "unauthorized: " + e.getMessage());
            return;
        }
        connect(session, user, java.util.Map.of(), text);
    }

    /**
     * Closes a refused connection once {@code @OnOpen} has returned: on Payara, a close from inside onOpen
     * sometimes races Tyrus's own upgrade handling, and the client then never gets the close frame.
     */
    private void refuseLater(Session session, int code, String reason) {
        node.later(() -> WebSocketTransport.close(session, code, reason));
    }

    /**
     * One part of a text message (the whole message, when it came in one frame the container read at once).
     * The container calls this for one part at a time.
     */
    @OnMessage
    public void message(Session session, String part, boolean last) {
        if (refused) {
            return; // the rest of a frame that was refused: the container reads it to the end
        }
        int max = node.config().maxFrameBytes();
        if ((parts == null ? 0 : parts.length()) + part.length() > max) {
            parts = null;
            refuse(session, CLOSE_TOO_BIG, "frame larger than " + max + " characters (herald.ws.max-frame)");
            return;
        }
        String text;
        if (parts == null && last) {
            text = part;
        } else {
            if (parts == null) {
                parts = new StringBuilder(Math.min(max, 2 * part.length()));
            }
            parts.append(part);
            if (!last) {
                return;
            }
            text = parts.toString();
            parts = null;
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

    /** A binary frame, in parts: not part of Herald's protocol. */
    @OnMessage
    public void binary(Session session, ByteBuffer part, boolean last) {
        if (refused) {
            return;
        }
        Node.Connection connection = awaitingAuth;
        if (sender == null && connection != null) {
            awaitingAuth = null;
            if (!node.authArrived(connection)) {
                return; // the node is closing it already (time-out or shutdown)
            }
            refuse(session, CLOSE_UNAUTHORIZED,
                    "unauthorized: the first frame must be {\"type\":\"auth\",\"token\":JWT}, not binary");
            return;
        }
        refuse(session, CLOSE_UNSUPPORTED, "binary frames are not supported; send JSON text frames");
    }

    /** Closes the connection for what the client sent, and drops what still arrives of it. */
    private void refuse(Session session, int code, String reason) {
        refused = true;
        WebSocketTransport.close(session, code, reason);
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
        if (tyrus != null && reason.getCloseCode().getCode() == 1011 && TYRUS_OVERFLOW.equals(reason.getReasonPhrase())) {
            // Tyrus refuses a frame larger than its buffer with 1011; Herald's answer to a frame too large is 1009.
            // Tyrus holds a frame and whatever followed it unread in that buffer (a client that pipelines fast).
            tyrus.closeInstead(CLOSE_TOO_BIG, "frame, or frames sent at once, larger than Tyrus's buffer "
                    + "(herald.ws.frame-buffer)");
        }
        closed = true;
        Node.Connection connection = awaitingAuth;
        if (connection != null) {
            node.authArrived(connection); // no longer waited for
        }
        SessionSender s = sender;
        if (s != null) {
            node.disconnect(s, s.closeCode() != 0 ? s.closeCode() : reason.getCloseCode().getCode());
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
