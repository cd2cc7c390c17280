package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import dev.herald.ChannelPresence;
import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Presence;
import dev.herald.Recipient;
import dev.herald.engine.Draft;
import dev.herald.engine.History;
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
 * as {@code from}), and {@code presence} of a channel (answered with its users and counts). A frame may carry a
 * {@code ref}, which every answer to it carries back, so that a client can match answers that come out of order
 * (a {@code subscribed} waits for the engine, a {@code published} does not). A channel name is checked before the {@link ChannelAuthorizer} is asked. Anything else, a
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
    private final Resumes resumes;
    private final java.util.function.Consumer<Runnable> later;
    private final LogLimit refusals = new LogLimit(LOG, Level.INFO);
    private final LogLimit authorizerFailures = new LogLimit(LOG, Level.WARNING);

    /**
     * @param later runs a task off the calling thread (reads of the history after a subscribe, which may
     *     complete on the subscriber thread)
     */
    ClientProtocol(NoticeCodec codec, LocalChannels channels, ChannelAuthorizer authorizer, Publisher publisher,
            Presence presence, Resumes resumes, java.util.function.Consumer<Runnable> later) {
        this.resumes = resumes;
        this.later = later;
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

    /**
     * How an auth frame asks to pick up the user's stream: from {@code "since":{"epoch":E,"offset":N}}, or
     * from the user's read cursor with {@code "inbox":true}; call after {@link #authToken} accepted the frame.
     *
     * @throws InvalidNoticeException when its {@code since} is not a position
     */
    Resume authResume(String frame) {
        JsonObject auth = codec.readObject(frame, "auth frame");
        JsonValue inbox = auth.get("inbox");
        if (inbox != null && inbox != JsonValue.TRUE && inbox != JsonValue.FALSE) {
            throw new InvalidNoticeException("'inbox' must be true or false");
        }
        return new Resume(since(auth), inbox == JsonValue.TRUE);
    }

    /**
     * The frame's {@code since}, {@code {"epoch":E,"offset":N}}, or {@code null} when it has none.
     *
     * @throws InvalidNoticeException when it is not such a position
     */
    static History.Position since(JsonObject frame) {
        JsonValue since = frame.get("since");
        if (since == null || since == JsonValue.NULL) {
            return null;
        }
        if (since instanceof JsonObject o && o.get("epoch") instanceof JsonString epoch
                && o.get("offset") instanceof jakarta.json.JsonNumber offset && offset.isIntegral()
                && offset.toString().length() <= 18 && offset.longValue() >= 0
                && validEpoch(epoch.getString())) {
            return new History.Position(epoch.getString(), offset.longValue());
        }
        throw new InvalidNoticeException("'since' must be {\"epoch\":string,\"offset\":whole number from 0}");
    }

    /** Whether a client's epoch could be one: 1 to 32 letters or digits (anything else matches no stream). */
    static boolean validEpoch(String epoch) {
        return !epoch.isEmpty() && epoch.length() <= NoticeCodec.MAX_EPOCH_LENGTH
                && epoch.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c));
    }

    /** The most characters of a {@code ref}, which a client may put in any frame to match its answer. */
    static final int MAX_REF_LENGTH = 64;

    /**
     * One client frame being answered: its session, and the {@code ref} the client gave it, which every answer
     * to it carries back ({@code null}: none).
     */
    private record Asked(SessionSender session, JsonObject frame, String ref) {
    }

    /** Handles one text frame from an authenticated client. */
    void receive(SessionSender session, String text) {
        session.heard();
        JsonValue value;
        try {
            value = codec.read(text, "frame");
        } catch (InvalidNoticeException e) {
            refuse(new Asked(session, null, null), "bad_frame", null, e.getMessage());
            return;
        }
        String type = typeOf(value);
        if (type == null) {
            refuse(new Asked(session, null, null), "bad_frame", null, "a frame must be a JSON object with a string 'type'");
            return;
        }
        JsonObject frame = value.asJsonObject();
        JsonValue ref = frame.get("ref");
        if (ref != null && !(ref instanceof JsonString r && validRef(r.getString()))) {
            refuse(new Asked(session, frame, null), "bad_frame", null,
                    "'ref' must be a string of 1 to " + MAX_REF_LENGTH + " characters, none a control character");
            return;
        }
        Asked asked = new Asked(session, frame, ref == null ? null : ((JsonString) ref).getString());
        switch (type) {
            case "ping" -> session.pong();
            case "subscribe" -> subscribe(asked);
            case "unsubscribe" -> unsubscribe(asked);
            case "publish" -> publish(asked);
            case "presence" -> presence(asked);
            case "ack" -> ack(asked);
            case "auth" -> refuse(asked, "bad_frame", null,
                    "this connection is already authenticated; to change user or token, reconnect");
            default -> refuse(asked, "unknown_type", null, "unknown frame type '" + LogLimit.printable(type, 40) + "'");
        }
    }

    private static boolean validRef(String ref) {
        return !ref.isEmpty() && ref.length() <= MAX_REF_LENGTH && ref.chars().noneMatch(Character::isISOControl);
    }

    private void subscribe(Asked asked) {
        String channel = channelOf(asked, ChannelAuthorizer.Action.SUBSCRIBE);
        if (channel == null) {
            return;
        }
        History.Position since;
        try {
            since = since(asked.frame());
        } catch (InvalidNoticeException e) {
            refuse(asked, "bad_frame", channel, e.getMessage());
            return;
        }
        subscribe(asked, channel, since);
    }

    /** Subscribes {@code session} to a valid {@code channel} without asking the authorizer, and answers it. */
    void subscribeOnServer(SessionSender session, String channel) {
        subscribe(new Asked(session, null, null), channel, null);
    }

    /**
     * Subscribes and answers {@code subscribed} once this node receives the channel's notices; where they are
     * kept, with the session's position in the channel's stream (and, resuming from {@code since}, the frames
     * it missed), read off this thread. A channel's notices (and announcements) come only after it.
     */
    private void subscribe(Asked asked, String channel, History.Position since) {
        SessionSender session = asked.session();
        LocalChannels.Joined joined;
        boolean kept = resumes.keepsChannels();
        try {
            joined = channels.join(session, channel, kept);
        } catch (HeraldUnavailableException e) {
            refuse(asked, "unavailable", channel, "could not subscribe now: try again");
            return;
        }
        if (joined == null) {
            refuse(asked, "limit", channel, session.isClosed() ? "the session is closed"
                    : "a session may be subscribed to at most herald.session.max-channels channels");
            return;
        }
        String subscribed = codec.frame("subscribed", "channel", channel, "ref", asked.ref());
        joined.delivered().whenComplete((ok, error) -> {
            if (error != null) {
                refuse(asked, "unavailable", channel, "could not subscribe: try again");
            } else if (!kept) {
                session.reply(subscribed);
            } else if (!joined.added()) {
                History.Position now = session.channelPosition(channel);
                if (now != null) { // else the read of the first subscribe answers
                    session.reply(codec.withPosition(subscribed, now, since == null ? null : since.equals(now)));
                }
            } else {
                later.accept(() -> {
                    try {
                        resumes.subscribed(session, channel, subscribed, since);
                    } catch (HeraldUnavailableException e) {
                        channels.leave(session, channel);
                        refuse(asked, "unavailable", channel, "could not read the channel's history: try again");
                    }
                });
            }
        });
    }

    private void unsubscribe(Asked asked) {
        String channel = validChannel(asked);
        if (channel != null) {
            unsubscribe(asked, channel);
        }
    }

    /** Unsubscribes {@code session} from a valid {@code channel}, and answers it. */
    void unsubscribeOnServer(SessionSender session, String channel) {
        unsubscribe(new Asked(session, null, null), channel);
    }

    private void unsubscribe(Asked asked, String channel) {
        channels.leave(asked.session(), channel);
        asked.session().reply(codec.frame("unsubscribed", "channel", channel, "ref", asked.ref()));
    }

    private void publish(Asked asked) {
        String channel = channelOf(asked, ChannelAuthorizer.Action.PUBLISH);
        if (channel == null) {
            return;
        }
        JsonObject frame = asked.frame();
        String id;
        try {
            if (!(frame.get("event") instanceof JsonString event)) {
                throw new InvalidNoticeException("a publish frame needs a string 'event'");
            }
            JsonValue data = frame.getOrDefault("data", JsonValue.NULL);
            // A 'from' in the frame is not passed on: the server sets it.
            id = publisher.publish(asked.session().user(), new Draft(Recipient.channel(channel), event.getString(),
                    codec.json(data)));
        } catch (InvalidNoticeException e) {
            refuse(asked, "bad_frame", channel, e.getMessage());
            return;
        } catch (HeraldUnavailableException e) {
            refuse(asked, "unavailable", channel, "could not publish now: try again");
            return;
        }
        asked.session().reply(codec.frame("published", "channel", channel, "id", id, "ref", asked.ref()));
    }

    /**
     * Answers {@code {"type":"presence","channel":c}} (and {@code "after":user} for the next page) with
     * {@code {"type":"presence","channel":c,"users":[...],"userCount":N,"sessions":M}}, plus {@code "next":user}
     * when more users follow.
     */
    private void presence(Asked asked) {
        String channel = channelOf(asked, ChannelAuthorizer.Action.PRESENCE);
        if (channel == null) {
            return;
        }
        JsonValue after = asked.frame().get("after");
        if (after != null && !(after instanceof JsonString)) {
            refuse(asked, "bad_frame", channel, "'after' must be a user id");
            return;
        }
        ChannelPresence found;
        try {
            found = presence.channel(channel, after == null ? null : ((JsonString) after).getString());
        } catch (HeraldUnavailableException e) {
            refuse(asked, "unavailable", channel, "could not read presence now: try again");
            return;
        } catch (InvalidNoticeException e) {
            refuse(asked, "bad_frame", channel, e.getMessage());
            return;
        }
        JsonObjectBuilder answer = codec.json().createObjectBuilder().add("type", "presence").add("channel", channel)
                .add("users", codec.json().createArrayBuilder(found.users())).add("userCount", found.userCount())
                .add("sessions", found.sessions());
        if (found.next() != null) {
            answer.add("next", found.next());
        }
        if (asked.ref() != null) {
            answer.add("ref", asked.ref());
        }
        asked.session().reply(codec.json(answer.build()));
    }

    /**
     * Answers {@code {"type":"ack","offset":N}} (and {@code "epoch":E}, which must then be the stream's) by moving
     * the user's read cursor to N if that is higher, with {@code {"type":"acked","offset":<the cursor now>}}; an
     * offset past the stream's end, or of another epoch, gets {@code bad_offset}.
     */
    private void ack(Asked asked) {
        JsonObject frame = asked.frame();
        if (!resumes.keepsUsers()) {
            refuse(asked, "bad_frame", null, "no inbox: notices to users are not kept (herald.history.user.size is 0)");
            return;
        }
        JsonValue epoch = frame.get("epoch");
        if (!(frame.get("offset") instanceof jakarta.json.JsonNumber offset) || !offset.isIntegral()
                || offset.toString().length() > 18 || offset.longValue() < 0
                || epoch != null && !(epoch instanceof JsonString)) {
            refuse(asked, "bad_frame", null, "an ack needs a whole number 'offset' from 0, and a string 'epoch' if any");
            return;
        }
        long cursor;
        try {
            cursor = resumes.acknowledge(asked.session(), epoch == null ? null : ((JsonString) epoch).getString(),
                    offset.longValue());
        } catch (InvalidNoticeException e) {
            refuse(asked, "bad_offset", null, e.getMessage());
            return;
        } catch (HeraldUnavailableException e) {
            refuse(asked, "unavailable", null, "could not record the ack now: try again");
            return;
        }
        asked.session().reply(codec.withNumber(codec.frame("acked", "ref", asked.ref()), "offset", cursor));
    }

    /** The frame's valid channel name, or {@code null} once a {@code bad_channel} error was sent. */
    private String validChannel(Asked asked) {
        if (!(asked.frame().get("channel") instanceof JsonString name)) {
            refuse(asked, "bad_channel", null, "the frame needs a string 'channel'");
            return null;
        }
        try {
            return Recipient.checkChannel(name.getString());
        } catch (InvalidNoticeException e) {
            refuse(asked, "bad_channel", LogLimit.printable(name.getString(), Recipient.MAX_CHANNEL_LENGTH),
                    e.getMessage());
            return null;
        }
    }

    /** The frame's channel, valid and allowed for {@code action}, or {@code null} once an error was sent. */
    private String channelOf(Asked asked, ChannelAuthorizer.Action action) {
        String channel = validChannel(asked);
        if (channel == null) {
            return null;
        }
        String user = asked.session().user();
        boolean allowed;
        try {
            allowed = authorizer.allows(user, channel, action);
        } catch (RuntimeException e) {
            authorizerFailures.log(() -> "The channel authorizer failed on " + action + " of " + channel + " by "
                    + LogLimit.printable(user, 64) + ", which refuses it: " + e);
            allowed = false;
        }
        if (!allowed) {
            refuse(asked, "forbidden", channel, "not allowed to " + action.name().toLowerCase() + " on this channel");
            return null;
        }
        return channel;
    }

    /** The {@code type} of a client frame: a JSON object with a string {@code type}; {@code null} for anything else. */
    private static String typeOf(JsonValue frame) {
        return frame instanceof JsonObject object && object.get("type") instanceof JsonString type
                ? type.getString() : null;
    }

    /**
     * Answers a client frame that Herald does not take with an error frame, naming the channel the frame was about
     * when there is one ({@code channel} may be {@code null}), and logs it (rate limited).
     */
    private void refuse(Asked asked, String code, String channel, String message) {
        SessionSender session = asked.session();
        refusals.log(() -> "Session " + session.id() + " of " + LogLimit.printable(session.user(), 64)
                + " sent a frame refused with " + code + (channel == null ? "" : " on " + channel) + ": "
                + LogLimit.printable(message, 200));
        session.reply(codec.frame("error", "code", code, "channel", channel, "message", message, "ref", asked.ref()));
    }
}
