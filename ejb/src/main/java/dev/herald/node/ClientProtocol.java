package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import dev.herald.ChannelPresence;
import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Presence;
import dev.herald.Recipient;
import dev.herald.engine.Draft;
import dev.herald.engine.NoticeCodec;
import java.util.concurrent.CompletionStage;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a client may say once connected, and what it is answered: the auth frame that opens a connection, then
 * {@code ping} (answered with {@code pong}), {@code subscribe} and {@code unsubscribe} a channel (answered with
 * {@code subscribed} once this node delivers the channel's notices, and {@code unsubscribed}), and {@code publish}
 * on a channel (answered with {@code published} and the notice's id; the notice carries the publisher's user id
 * as {@code from}), and {@code presence} of a channel (answered with its users and counts). A channel name is checked before the {@link ChannelAuthorizer} is asked. Anything else, a
 * second {@code auth} included, and every refusal, gets an {@code error} frame, and the connection stays open.
 * Refused frames are logged in one line, at most one line per {@value LogLimit#INTERVAL_SECONDS} s. Stateless and
 * thread safe: a session's own state is its {@link SessionSender}.
 */
final class ClientProtocol {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    /** Sends a notice that a client published: stamps it, with {@code from}, and returns its id. */
    @FunctionalInterface
    interface Publisher {
        String publish(String from, Draft draft);
    }

    private final NoticeCodec codec;
    private final LocalChannels channels;
    private final ChannelAuthorizer authorizer;
    private final Publisher publisher;
    private final Presence presence;
    private final LogLimit refusals = new LogLimit(LOG, Level.INFO);
    private final LogLimit authorizerFailures = new LogLimit(LOG, Level.WARNING);

    ClientProtocol(NoticeCodec codec, LocalChannels channels, ChannelAuthorizer authorizer, Publisher publisher,
            Presence presence) {
        this.codec = codec;
        this.channels = channels;
        this.authorizer = authorizer;
        this.publisher = publisher;
        this.presence = presence;
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
        } else if ("subscribe".equals(type)) {
            subscribe(session, frame.asJsonObject());
        } else if ("unsubscribe".equals(type)) {
            unsubscribe(session, frame.asJsonObject());
        } else if ("publish".equals(type)) {
            publish(session, frame.asJsonObject());
        } else if ("presence".equals(type)) {
            presence(session, frame.asJsonObject());
        } else if ("auth".equals(type)) {
            refuse(session, "bad_frame", "this connection is already authenticated; to change user or token, reconnect");
        } else {
            refuse(session, "unknown_type", "unknown frame type '" + LogLimit.printable(type, 40) + "'");
        }
    }

    private void subscribe(SessionSender session, JsonObject frame) {
        String channel = channelOf(session, frame, ChannelAuthorizer.Action.SUBSCRIBE);
        if (channel == null) {
            return;
        }
        subscribeOnServer(session, channel);
    }

    /** Subscribes {@code session} to a valid {@code channel} without asking the authorizer, and answers it. */
    void subscribeOnServer(SessionSender session, String channel) {
        CompletionStage<Void> delivered;
        try {
            delivered = channels.join(session, channel);
        } catch (HeraldUnavailableException e) {
            refuse(session, "unavailable", channel, "could not subscribe now: try again");
            return;
        }
        if (delivered == null) {
            refuse(session, "limit", channel, session.isClosed() ? "the session is closed"
                    : "a session may be subscribed to at most herald.session.max-channels channels");
            return;
        }
        delivered.whenComplete((ok, error) -> {
            if (error == null) {
                session.reply(codec.frame("subscribed", "channel", channel));
            } else {
                refuse(session, "unavailable", channel, "could not subscribe: try again");
            }
        });
    }

    private void unsubscribe(SessionSender session, JsonObject frame) {
        String channel = validChannel(session, frame);
        if (channel == null) {
            return;
        }
        unsubscribeOnServer(session, channel);
    }

    /** Unsubscribes {@code session} from a valid {@code channel}, and answers it. */
    void unsubscribeOnServer(SessionSender session, String channel) {
        channels.leave(session, channel);
        session.reply(codec.frame("unsubscribed", "channel", channel));
    }

    private void publish(SessionSender session, JsonObject frame) {
        String channel = channelOf(session, frame, ChannelAuthorizer.Action.PUBLISH);
        if (channel == null) {
            return;
        }
        String id;
        try {
            if (!(frame.get("event") instanceof JsonString event)) {
                throw new InvalidNoticeException("a publish frame needs a string 'event'");
            }
            JsonValue data = frame.getOrDefault("data", JsonValue.NULL);
            // A 'from' in the frame is not passed on: the server sets it.
            id = publisher.publish(session.user(), new Draft(Recipient.channel(channel), event.getString(),
                    codec.json(data)));
        } catch (InvalidNoticeException e) {
            refuse(session, "bad_frame", channel, e.getMessage());
            return;
        } catch (HeraldUnavailableException e) {
            refuse(session, "unavailable", channel, "could not publish now: try again");
            return;
        }
        session.reply(codec.frame("published", "channel", channel, "id", id));
    }

    /**
     * Answers {@code {"type":"presence","channel":c}} (and {@code "after":user} for the next page) with
     * {@code {"type":"presence","channel":c,"users":[...],"userCount":N,"sessions":M}}, plus {@code "next":user}
     * when more users follow.
     */
    private void presence(SessionSender session, JsonObject frame) {
        String channel = channelOf(session, frame, ChannelAuthorizer.Action.PRESENCE);
        if (channel == null) {
            return;
        }
        JsonValue after = frame.get("after");
        if (after != null && !(after instanceof JsonString)) {
            refuse(session, "bad_frame", channel, "'after' must be a user id");
            return;
        }
        ChannelPresence found;
        try {
            found = presence.channel(channel, after == null ? null : ((JsonString) after).getString());
        } catch (HeraldUnavailableException e) {
            refuse(session, "unavailable", channel, "could not read presence now: try again");
            return;
        }
        JsonObjectBuilder answer = codec.json().createObjectBuilder().add("type", "presence").add("channel", channel)
                .add("users", codec.json().createArrayBuilder(found.users())).add("userCount", found.userCount())
                .add("sessions", found.sessions());
        if (found.next() != null) {
            answer.add("next", found.next());
        }
        session.reply(codec.json(answer.build()));
    }

    /** The frame's valid channel name, or {@code null} once a {@code bad_channel} error was sent. */
    private String validChannel(SessionSender session, JsonObject frame) {
        if (!(frame.get("channel") instanceof JsonString name)) {
            refuse(session, "bad_channel", null, "the frame needs a string 'channel'");
            return null;
        }
        try {
            return Recipient.checkChannel(name.getString());
        } catch (InvalidNoticeException e) {
            refuse(session, "bad_channel", LogLimit.printable(name.getString(), Recipient.MAX_CHANNEL_LENGTH),
                    e.getMessage());
            return null;
        }
    }

    /** The frame's channel, valid and allowed for {@code action}, or {@code null} once an error was sent. */
    private String channelOf(SessionSender session, JsonObject frame, ChannelAuthorizer.Action action) {
        String channel = validChannel(session, frame);
        if (channel == null) {
            return null;
        }
        boolean allowed;
        try {
            allowed = authorizer.allows(session.user(), channel, action);
        } catch (RuntimeException e) {
            authorizerFailures.log(() -> "The channel authorizer failed on " + action + " of " + channel + " by "
                    + LogLimit.printable(session.user(), 64) + ", which refuses it: " + e);
            allowed = false;
        }
        if (!allowed) {
            refuse(session, "forbidden", channel, "not allowed to " + action.name().toLowerCase() + " on this channel");
            return null;
        }
        return channel;
    }

    /** The {@code type} of a client frame: a JSON object with a string {@code type}; {@code null} for anything else. */
    private static String typeOf(JsonValue frame) {
        return frame instanceof JsonObject object && object.get("type") instanceof JsonString type
                ? type.getString() : null;
    }

    /** Answers a client frame that Herald does not take with an error frame, and logs it (rate limited). */
    private void refuse(SessionSender session, String code, String message) {
        refuse(session, code, null, message);
    }

    /** The same, naming the channel the frame was about when there is one. */
    private void refuse(SessionSender session, String code, String channel, String message) {
        refusals.log(() -> "Session " + session.id() + " of " + LogLimit.printable(session.user(), 64)
                + " sent a frame refused with " + code + (channel == null ? "" : " on " + channel) + ": "
                + LogLimit.printable(message, 200));
        session.reply(channel == null ? codec.frame("error", "code", code, "message", message)
                : codec.frame("error", "code", code, "channel", channel, "message", message));
    }
}
