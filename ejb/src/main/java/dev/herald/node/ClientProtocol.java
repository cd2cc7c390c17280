package dev.herald.node;

import dev.herald.InvalidNoticeException;
import dev.herald.engine.NoticeCodec;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a client may say once connected, and what it is answered: the auth frame that opens a connection, then
 * {@code {"type":"ping"}}, answered with {@code pong}; anything else (a second {@code auth} included) gets an
 * {@code error} frame and the connection stays open. Refused frames are logged in one line, at most one line per
 * {@value LogLimit#INTERVAL_SECONDS} s. Stateless and thread safe: a session's own state is its
 * {@link SessionSender}.
 */
final class ClientProtocol {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NoticeCodec codec;
    private final LogLimit refusals = new LogLimit(LOG, Level.INFO);

    ClientProtocol(NoticeCodec codec) {
        this.codec = codec;
    }

    /**
     * The token of a connection's first frame, {@code {"type":"auth","token":"JWT"}}, not yet verified.
     *
     * @throws InvalidNoticeException saying what is wrong with the frame; the message is safe to send back
     */
    String authToken(String frame) {
        JsonValue value;
        try {
            value = codec.read(frame, "auth frame");
        } catch (InvalidNoticeException e) {
            value = null;
        }
        if (!"auth".equals(typeOf(value))) {
            throw new InvalidNoticeException("the first frame must be {\"type\":\"auth\",\"token\":JWT}");
        }
        if (!(value.asJsonObject().get("token") instanceof JsonString token)) {
            throw new InvalidNoticeException("the auth frame has no string 'token'");
        }
        return token.getString();
    }

    /** Handles one text frame from an authenticated client. */
    void receive(SessionSender session, String text) {
        session.heard();
        JsonValue frame;
        try {
            frame = codec.read(text, "frame");
        } catch (InvalidNoticeException e) {
            refuse(session, "bad_frame", e.getMessage());
            return;
        }
        String type = typeOf(frame);
        if (type == null) {
            refuse(session, "bad_frame", "a frame must be a JSON object with a string 'type'");
        } else if ("ping".equals(type)) {
            session.pong();
        } else if ("auth".equals(type)) {
            refuse(session, "bad_frame", "this connection is already authenticated; to change user or token, reconnect");
        } else {
            refuse(session, "unknown_type", "unknown frame type '" + LogLimit.printable(type, 40) + "'");
        }
    }

    /** The {@code type} of a client frame: a JSON object with a string {@code type}; {@code null} for anything else. */
    private static String typeOf(JsonValue frame) {
        return frame instanceof JsonObject object && object.get("type") instanceof JsonString type
                ? type.getString() : null;
    }

    /** Answers a client frame that Herald does not take with an error frame, and logs it (rate limited). */
    private void refuse(SessionSender session, String code, String message) {
        refusals.log(() -> "Session " + session.id() + " of " + LogLimit.printable(session.user(), 64)
                + " sent a frame refused with " + code + ": " + LogLimit.printable(message, 200));
        session.reply(codec.frame("error", "code", code, "message", message));
    }
}
