package dev.herald.engine;

import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonParser;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shapes of a notice: the messages nodes exchange through the engine and the frame a client receives.
 *
 * <p>Redis message, version 1 (documented for foreign publishers):
 * {@code {"v":1,"id":"...","ts":1700000000000,"to":{"user":"alice"},"event":"...","data":...}} where
 * {@code to} is {@code {"user":id}}, {@code {"session":id}}, {@code {"channel":name}} or {@code {"all":true}}.
 * Version 2, what Herald's own nodes publish: a header line {@code {"v":2,"to":{...}}}, a newline, then the client frame exactly as
 * sessions receive it, so that a receiving node parses only the small header and never re-encodes the
 * notice; several such pairs may follow each other in one message, separated by newlines (a node batches
 * what one call sends to the same node). A receiving node checks every message as if a stranger sent it (see
 * {@link #route}). Client frame:
 * {@code {"type":"notice","id":"...","event":"...","data":...,"ts":...}}; it never holds a raw newline.
 *
 * <p>Thread safe: the JSON factories are created once, since looking the provider up on every call is
 * several times slower.
 */
public final class NoticeCodec {

    /** The version of the documented Redis message format, accepted from any publisher. */
    public static final int VERSION = 1;
    /** The version of the header-and-frame format that Herald nodes publish. */
    public static final int FRAMED_VERSION = 2;
    private static final String FRAMED_PREFIX = "{\"v\":2,";
    private static final String USER_HEADER = "{\"v\":2,\"to\":{\"user\":\"";
    private static final String SESSION_HEADER = "{\"v\":2,\"to\":{\"session\":\"";
    private static final String CHANNEL_HEADER = "{\"v\":2,\"to\":{\"channel\":\"";
    private static final String ALL_HEADER = "{\"v\":2,\"to\":{\"all\":true}}";
    private static final String HEADER_END = "\"}}";
    static final String TO_KINDS =
            "'to' must be {\"user\":id}, {\"session\":id}, {\"channel\":name} or {\"all\":true}";
    static final String TO_SHAPE =
            "'to' must be an object: {\"user\":id}, {\"session\":id}, {\"channel\":name} or {\"all\":true}";
    static final String TO_ONE = "'to' must have exactly one of user, session, channel or all";

    /**
     * The longest batched message a node publishes, in characters: notices sent together to one node start a
     * new message past it (well under Redis's output buffer limit for subscribers). A single notice longer than
     * this travels alone.
     */
    public static final int MAX_BATCH_CHARS = 1 << 20;
    /** The default of {@code herald.notice.max-bytes}. */
    public static final int DEFAULT_MAX_NOTICE_CHARS = 65536;

    private static final int TYPE = 1;
    private static final int ID = 2;
    private static final int EVENT = 4;
    private static final int DATA = 8;
    private static final int TS = 16;
    private static final int CHANNEL = 32;
    private static final int FROM = 64;
    private static final int OFFSET = 128;
    private static final int EPOCH = 256;
    private static final int URGENT = 512;
    private static final int BYTES = 1024;
    /** The longest epoch name a frame may carry. */
    public static final int MAX_EPOCH_LENGTH = 32;
    /** How every notice frame starts; a kept notice's offset and epoch come right after it. */
    public static final String NOTICE_START = "{\"type\":\"notice\",";
    /**
     * The characters a kept notice's frame may gain when its stream numbers it: what a node leaves free under
     * {@code herald.notice.max-bytes} when it checks one.
     */
    public static final int KEPT_RESERVE = 80;
    /** The fields every notice frame has; {@code channel} and {@code from} are the optional ones. */
    private static final int NOTICE_FIELDS = TYPE | ID | EVENT | DATA | TS;
    /** The most fields beyond Herald's own that a received notice frame may carry. */
    private static final int MAX_ADDED_KEYS = 8;

    private final JsonProvider json;
    private final JsonInput input;
    private final JsonGeneratorFactory generators;
    private final int maxNoticeChars;

    public NoticeCodec() {
        this(JsonProvider.provider(), DEFAULT_MAX_NOTICE_CHARS);
    }

    /**
     * @param maxNoticeChars the longest notice as an engine message, header and frame ({@code
     *     herald.notice.max-bytes}): longer ones are refused when sent and dropped when received
     */
    public NoticeCodec(JsonProvider json, int maxNoticeChars) {
        this.json = json;
        this.input = new JsonInput(json);
        this.generators = json.createGeneratorFactory(Map.of());
        this.maxNoticeChars = maxNoticeChars;
    }

    /** The longest engine message received: a batch of notices, or one notice longer than a batch. */
    private int maxMessageChars() {
        return Math.max(MAX_BATCH_CHARS, maxNoticeChars);
    }

    /**
     * Checks that one notice's engine message is within {@code herald.notice.max-bytes}.
     *
     * @throws InvalidNoticeException when it is longer
     */
    public String checkSize(String message) {
        return checkSize(message, 0);
    }

    /**
     * Checks that one notice's engine message, once it grows by up to {@code reserve} characters, is within
     * {@code herald.notice.max-bytes}.
     *
     * @throws InvalidNoticeException when it would be longer
     */
    public String checkSize(String message, int reserve) {
        if (message.length() + reserve > maxNoticeChars) {
            throw new InvalidNoticeException("notice is " + (message.length() + reserve)
                    + " characters of JSON, more than herald.notice.max-bytes (" + maxNoticeChars + ")");
        }
        return message;
    }

    /** The JSON provider behind this codec, for callers that build values. */
    public JsonProvider json() {
        return json;
    }

    /** Encodes an envelope as the Redis message format. */
    public String encode(Envelope e) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject()
                    .write("v", VERSION)
                    .write("id", e.id())
                    .write("ts", e.timestamp());
            writeRecipient(g, e.to());
            g.write("event", e.event()).write("data", e.data()).writeEnd();
        }
        return out.toString();
    }

    /**
     * A version 3 control message, {@code {"v":3,"op":OP,"user":id,"channel":name}}: {@code subscribe} or
     * {@code unsubscribe}, published to the nodes holding {@code user}'s sessions, asks them to subscribe those
     * sessions to {@code channel} (or unsubscribe them); {@code join} or {@code leave}, published on
     * {@code channel}, tells its subscribers that {@code user}'s first session joined it or their last left it.
     */
    public record Control(Op op, String user, String channel) {
        public Control {
            java.util.Objects.requireNonNull(op, "op");
            Recipient.checkId("user", user);
            Recipient.checkChannel(channel);
        }

        /** A subscribe or an unsubscribe of the user's sessions. */
        public Control(boolean subscribe, String user, String channel) {
            this(subscribe ? Op.SUBSCRIBE : Op.UNSUBSCRIBE, user, channel);
        }

        /** Whether this asks for a subscription (rather than its end). */
        public boolean subscribe() {
            return op == Op.SUBSCRIBE;
        }

        /** Whether this announces a join or a leave to the channel's subscribers. */
        public boolean announcement() {
            return op == Op.JOIN || op == Op.LEAVE;
        }
    }

    /** What a control message asks or tells; its wire name is the lower-case name. */
    public enum Op {
        SUBSCRIBE, UNSUBSCRIBE, JOIN, LEAVE;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String CONTROL_PREFIX = "{\"v\":3,";
    private static final int MAX_CONTROL_CHARS = 1024;

    /**
     * The {@code ts} of a notice frame this codec wrote (its last member, milliseconds since the epoch), or 0 for
     * another frame.
     */
    public static long timestamp(String frame) {
        int end = frame.length() - 1;
        int at = frame.lastIndexOf(",\"ts\":");
        if (at < 0 || end < 0 || frame.charAt(end) != '}') {
            return 0;
        }
        long ts = 0;
        for (int i = at + 6; i < end; i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            ts = ts * 10 + (c - '0');
        }
        return ts;
    }

    /** Encodes a control message (see {@link Control}). */
    public String encode(Control c) {
        StringWriter out = new StringWriter(96);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject().write("v", 3).write("op", c.op().wire())
                    .write("user", c.user()).write("channel", c.channel()).writeEnd();
        }
        return out.toString();
    }

    /**
     * The control message this message is, or {@code null} when it is not one (it is a notice message then).
     *
     * @throws InvalidNoticeException when it claims version 3 and is not a valid control message
     */
    public Control control(String message) {
        if (message == null || !message.startsWith(CONTROL_PREFIX)) {
            return null;
        }
        if (message.length() > MAX_CONTROL_CHARS) {
            throw new InvalidNoticeException("control message longer than " + MAX_CONTROL_CHARS + " characters");
        }
        JsonObject o = readObject(message, "control message");
        String wire = o.get("op") instanceof JsonString s ? s.getString() : "";
        for (Op op : Op.values()) {
            if (op.wire().equals(wire)) {
                return new Control(op, requiredString(o, "user"), requiredString(o, "channel"));
            }
        }
        throw new InvalidNoticeException("control message's 'op' must be subscribe, unsubscribe, join or leave");
    }

    /** The client frame of a join or leave: {@code {"type":"join"|"leave","channel":name,"user":id}}. */
    public String announcementFrame(Control c) {
        return frame(c.op().wire(), "channel", c.channel(), "user", c.user());
    }

    /**
     * A message decoded for delivery: who it is for, the client frame to send them, and for a kept notice its
     * place in its stream ({@code offset} 0 and {@code epoch} {@code null} for one that is not kept).
     */
    public record Routed(Recipient to, String frame, long offset, String epoch, boolean urgent) {

        /** A notice that is not kept, nor urgent. */
        public Routed(Recipient to, String frame) {
            this(to, frame, 0, null, false);
        }

        /** Whether the notice is kept in its recipient's stream, with an offset. */
        public boolean kept() {
            return offset > 0;
        }
    }

    /**
     * The engine message of a notice to keep, as a {@link Broker} takes it: the version 2 header line, a newline,
     * then {@code frame} without its {@link #NOTICE_START}; the broker puts the stream's offset and epoch there
     * ({@link #keptFrame}) as it appends it.
     *
     * @param frame the notice's client frame, from {@link #frame(String, Recipient, String, long, String, String)}
     */
    public String encodeKept(Recipient to, String frame) {
        return encodeFramed(to, frame.substring(NOTICE_START.length()));
    }

    /**
     * The client frame of a kept notice: {@code {"type":"notice","offset":N,"epoch":"E",} followed by
     * {@code rest}, the frame after its {@link #NOTICE_START}. The Redis engine's append script writes the same.
     */
    public static String keptFrame(long offset, String epoch, String rest) {
        return new StringBuilder(NOTICE_START.length() + 32 + epoch.length() + rest.length()).append(NOTICE_START)
                .append("\"offset\":").append(offset).append(",\"epoch\":\"").append(epoch).append("\",")
                .append(rest).toString();
    }

    /**
     * Encodes a notice as Herald's own (version 2) message: the header line, then {@code frame}.
     *
     * @param frame the client frame of the notice, from {@link #frame(Envelope)}
     */
    public String encodeFramed(Recipient to, String frame) {
        String header = switch (to.kind()) {
            case ALL -> ALL_HEADER;
            case USER -> plain(to.id(), 0, to.id().length()) ? USER_HEADER + to.id() + HEADER_END : null;
            case SESSION -> plain(to.id(), 0, to.id().length()) ? SESSION_HEADER + to.id() + HEADER_END : null;
            case CHANNEL -> CHANNEL_HEADER + to.id() + HEADER_END; // a channel name is plain
        };
        if (header != null) {
            return new StringBuilder(header.length() + 1 + frame.length()).append(header).append('\n')
                    .append(frame).toString();
        }
        StringWriter out = new StringWriter(frame.length() + 48);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject().write("v", FRAMED_VERSION);
            writeRecipient(g, to);
            g.writeEnd();
        }
        return out.append('\n').append(frame).toString();
    }

    /**
     * Whether {@code text} from {@code from} to {@code to} reads the same inside a JSON string as outside: no
     * quote, no backslash, no control character.
     */
    private static boolean plain(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\' || c < ' ') {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes either message version into the notices it carries, each with its recipient and client frame:
     * one for version 1, one or more for version 2. Anyone who can publish to Redis can publish to Herald's
     * channels, so a received message is checked by the rules a sent one follows: at most {@link
     * #MAX_BATCH_CHARS} characters (or one notice of {@code herald.notice.max-bytes}), each notice within
     * {@code herald.notice.max-bytes}; a version 1 message field by field and re-encoded; a version 2 frame
     * parsed (without building it) as a well-formed notice frame and nothing else, then passed on as it is.
     *
     * @throws InvalidNoticeException saying what is wrong with the message (at its first bad notice); nothing
     *     of a bad message is to be delivered
     */
    public List<Routed> route(String message) {
        if (message == null) {
            throw new InvalidNoticeException("message is null");
        }
        if (message.length() > maxMessageChars()) {
            throw new InvalidNoticeException("message is " + message.length() + " characters, more than "
                    + maxMessageChars() + " (the larger of a batch and herald.notice.max-bytes)");
        }
        if (!message.startsWith(FRAMED_PREFIX)) {
            Envelope e = decode(checkSize(message));
            return List.of(new Routed(e.to(), frame(e)));
        }
        List<Routed> routed = new ArrayList<>(1);
        int start = 0;
        while (start < message.length()) {
            int newline = message.indexOf('\n', start);
            if (newline < 0) {
                throw new InvalidNoticeException("version 2 message without a frame");
            }
            int end = message.indexOf('\n', newline + 1);
            if (end < 0) {
                end = message.length();
            }
            if (end - start > maxNoticeChars) {
                throw new InvalidNoticeException("notice " + routed.size() + " is " + (end - start)
                        + " characters, more than herald.notice.max-bytes (" + maxNoticeChars + ")");
            }
            Recipient to = header(message, start, newline);
            routed.add(checkNoticeFrame(message.substring(newline + 1, end), to));
            start = end + 1;
        }
        return routed;
    }

    /**
     * Checks, in one pass of the streaming parser and without building anything, that a received version 2
     * frame is a notice frame as {@link #frame(String, long, String, String)} writes it: a JSON object with the
     * keys {@code type} ({@code "notice"}), {@code id} (a valid id), {@code event} (a valid event name),
     * {@code channel} (only and always for a notice to a channel: that channel), {@code from} (optional, a user id),
     * {@code offset} and {@code epoch} (together or not at all, and only to a user or a channel: a whole number
     * from 1 and up to {@value #MAX_EPOCH_LENGTH} letters or digits),
     * {@code data} (any JSON within {@link JsonInput}'s limits) and {@code ts} (whole milliseconds), each once,
     * and nothing after it; up to {@value #MAX_ADDED_KEYS} more keys of plain names (fields a later version adds,
     * so that an upgrade node by node loses nothing) with values within the limits. Clients never see another
     * kind of frame from the engine, a repeated key (which a browser's {@code JSON.parse} would read as its last
     * value) or a payload Herald would refuse to send.
     */
    private Routed checkNoticeFrame(String frame, Recipient to) {
        long offset = 0;
        String epoch = null;
        boolean urgent = false;
        try (JsonParser p = input.parser(frame)) {
            if (!p.hasNext() || p.next() != JsonParser.Event.START_OBJECT) {
                throw new InvalidNoticeException("version 2 frame must be a JSON object");
            }
            int seen = 0;
            List<String> added = null;
            for (JsonParser.Event e = p.next(); e != JsonParser.Event.END_OBJECT; e = p.next()) {
                String key = p.getString();
                JsonParser.Event value = p.next();
                int field = switch (key) {
                    case "type" -> TYPE;
                    case "id" -> ID;
                    case "event" -> EVENT;
                    case "data" -> DATA;
                    case "ts" -> TS;
                    case "channel" -> CHANNEL;
                    case "from" -> FROM;
                    case "offset" -> OFFSET;
                    case "epoch" -> EPOCH;
                    case "urgent" -> URGENT;
                    case "data_b64" -> BYTES;
                    default -> 0;
                };
                if (field == 0) {
                    // A field a later Herald adds (a node of this version must not drop its frames during an
                    // upgrade): a plain name, once, its value within the limits.
                    if (!isAddedKey(key) || added != null && (added.contains(key) || added.size() == MAX_ADDED_KEYS)) {
                        throw new InvalidNoticeException("version 2 frame has a key it may not have: '"
                                + abbreviate(key) + "'");
                    }
                    added = added == null ? new ArrayList<>(2) : added;
                    added.add(key);
                    input.skip(p, value, "'" + key + "'", 0);
                    continue;
                }
                if ((seen & field) != 0) {
                    throw new InvalidNoticeException("version 2 frame repeats the key '" + key + "'");
                }
                seen |= field;
                switch (field) {
                    case TYPE -> {
                        if (value != JsonParser.Event.VALUE_STRING || !"notice".equals(p.getString())) {
                            throw new InvalidNoticeException("version 2 frame must be of type 'notice'");
                        }
                    }
                    case ID -> Recipient.checkId("notice", stringValue(p, value, "id"));
                    case EVENT -> Notice.checkEvent(stringValue(p, value, "event"));
                    case DATA -> input.skip(p, value, "'data'", 0);
                    case CHANNEL -> {
                        if (to.kind() != Recipient.Kind.CHANNEL || !to.id().equals(stringValue(p, value, "channel"))) {
                            throw new InvalidNoticeException("version 2 frame's 'channel' is not the channel it is sent to");
                        }
                    }
                    case FROM -> Recipient.checkId("user", stringValue(p, value, "from"));
                    case OFFSET -> {
                        if (value != JsonParser.Event.VALUE_NUMBER || !isWholeMillis(p.getString())
                                || (offset = Long.parseLong(p.getString())) < 1) {
                            throw new InvalidNoticeException("version 2 frame's 'offset' must be a whole number from 1");
                        }
                    }
                    case BYTES -> Notice.checkBase64(stringValue(p, value, "data_b64"));
                    case URGENT -> {
                        if (value != JsonParser.Event.VALUE_TRUE && value != JsonParser.Event.VALUE_FALSE) {
                            throw new InvalidNoticeException("version 2 frame's 'urgent' must be true or false");
                        }
                        urgent = value == JsonParser.Event.VALUE_TRUE;
                    }
                    case EPOCH -> {
                        epoch = stringValue(p, value, "epoch");
                        if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH
                                || !epoch.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c))) {
                            throw new InvalidNoticeException("version 2 frame's 'epoch' must be 1 to "
                                    + MAX_EPOCH_LENGTH + " letters or digits");
                        }
                    }
                    default -> {
                        if (value != JsonParser.Event.VALUE_NUMBER || !isWholeMillis(p.getString())) {
                            throw new InvalidNoticeException("version 2 frame's 'ts' must be whole milliseconds");
                        }
                    }
                }
            }
            if ((seen & NOTICE_FIELDS) != NOTICE_FIELDS) {
                throw new InvalidNoticeException("version 2 frame lacks one of type, id, event, data, ts");
            }
            if (to.kind() == Recipient.Kind.CHANNEL && (seen & CHANNEL) == 0) {
                throw new InvalidNoticeException("version 2 frame to a channel lacks its 'channel'");
            }
            if (((seen & OFFSET) == 0) != ((seen & EPOCH) == 0)) {
                throw new InvalidNoticeException("version 2 frame has one of 'offset' and 'epoch' without the other");
            }
            if ((seen & OFFSET) != 0 && to.kind() != Recipient.Kind.USER && to.kind() != Recipient.Kind.CHANNEL) {
                throw new InvalidNoticeException("version 2 frame has an 'offset' but is not to a user or a channel");
            }
            if (p.hasNext()) {
                throw new InvalidNoticeException("version 2 frame holds more than one JSON value");
            }
        } catch (InvalidNoticeException e) {
            throw e.getMessage().startsWith("version 2 frame") ? e
                    : new InvalidNoticeException("version 2 frame: " + e.getMessage());
        } catch (RuntimeException e) {
            throw JsonInput.invalid("version 2 frame", e);
        }
        return new Routed(to, frame, offset, epoch, urgent);
    }

    /** Whether {@code key} may name a field added to notice frames: a letter, then up to 31 letters, digits or '_'. */
    private static boolean isAddedKey(String key) {
        if (key.isEmpty() || key.length() > 32) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
            if (!letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_'))) {
                return false;
            }
        }
        return true;
    }

    private static String stringValue(JsonParser p, JsonParser.Event value, String key) {
        if (value != JsonParser.Event.VALUE_STRING) {
            throw new InvalidNoticeException("version 2 frame's '" + key + "' must be a string");
        }
        return p.getString();
    }

    /** Whether a number's JSON text is an integer that fits a long: 1 to 18 digits, maybe negative. */
    private static boolean isWholeMillis(String number) {
        int from = number.startsWith("-") ? 1 : 0;
        if (number.length() - from < 1 || number.length() - from > 18) {
            return false;
        }
        for (int i = from; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static String abbreviate(String s) {
        String cut = s.length() <= 40 ? s : s.substring(0, 40) + "...";
        StringBuilder out = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }

    /** The recipient of a version 2 header: read directly in the shapes Herald writes, else parsed as JSON. */
    private Recipient header(String message, int start, int end) {
        if (end - start == ALL_HEADER.length() && message.startsWith(ALL_HEADER, start)) {
            return Recipient.all();
        }
        String user = plainId(message, start, end, USER_HEADER);
        if (user != null) {
            return Recipient.user(user);
        }
        String session = plainId(message, start, end, SESSION_HEADER);
        if (session != null) {
            return Recipient.session(session);
        }
        String channel = plainId(message, start, end, CHANNEL_HEADER);
        if (channel != null) {
            return Recipient.channel(channel);
        }
        JsonObject header = readObject(message.substring(start, end), "header");
        if (!(header.get("to") instanceof JsonObject to)) {
            throw new InvalidNoticeException("'to' must be an object");
        }
        return recipient(to);
    }

    /** The id in {@code prefix + id + "}}"} when it holds no quote or backslash; otherwise {@code null}. */
    private static String plainId(String message, int start, int end, String prefix) {
        int from = start + prefix.length();
        int close = end - HEADER_END.length();
        if (close <= from || !message.startsWith(prefix, start) || !message.startsWith(HEADER_END, close)
                || !plain(message, from, close)) {
            return null;
        }
        return message.substring(from, close);
    }

    private static void writeRecipient(JsonGenerator g, Recipient to) {
        g.writeStartObject("to");
        JsonGenerator written = switch (to.kind()) {
            case USER -> g.write("user", to.id());
            case SESSION -> g.write("session", to.id());
            case CHANNEL -> g.write("channel", to.id());
            case ALL -> g.write("all", true);
        };
        written.writeEnd();
    }

    /**
     * Decodes a Redis message, checking every field, as a message may come from a foreign publisher.
     *
     * @throws InvalidNoticeException saying what is wrong with it
     */
    public Envelope decode(String message) {
        if (message == null) {
            throw new InvalidNoticeException("message is null");
        }
        JsonObject o = readObject(message, "message");
        // Numbers are compared by their text: a foreign 1e999999999 must not become a BigInteger.
        if (!(o.get("v") instanceof JsonNumber v) || !String.valueOf(VERSION).equals(v.toString())) {
            throw new InvalidNoticeException("'v' must be " + VERSION);
        }
        String id = requiredString(o, "id");
        Recipient.checkId("notice", id);
        JsonValue ts = o.get("ts");
        long timestamp;
        if (ts == null) {
            timestamp = System.currentTimeMillis();
        } else if (ts instanceof JsonNumber number && isWholeMillis(number.toString())) {
            timestamp = Long.parseLong(number.toString());
        } else {
            throw new InvalidNoticeException("'ts' must be a whole number of milliseconds");
        }
        Notice notice = notice(o);
        return new Envelope(id, timestamp, notice.to(), notice.event(), notice.data());
    }

    /**
     * Reads a notice to send: {@code {"to":{...},"event":"...","data":...}} (the REST API's body items).
     *
     * @throws InvalidNoticeException saying what is wrong with it
     */
    public Notice notice(JsonObject o) {
        JsonValue to = o.get("to");
        if (!(to instanceof JsonObject target)) {
            throw new InvalidNoticeException(TO_SHAPE);
        }
        return new Notice(recipient(target), requiredString(o, "event"), o.get("data"));
    }

    /** Reads {@code {"user":id}}, {@code {"session":id}}, {@code {"channel":name}} or {@code {"all":true}}. */
    public Recipient recipient(JsonObject to) {
        if (to.size() != 1) {
            throw new InvalidNoticeException(TO_ONE);
        }
        if (to.containsKey("channel")) {
            return Recipient.channel(requiredString(to, "channel"));
        }
        if (to.containsKey("user")) {
            return Recipient.user(requiredString(to, "user"));
        }
        if (to.containsKey("session")) {
            return Recipient.session(requiredString(to, "session"));
        }
        if (to.get("all") == JsonValue.TRUE) {
            return Recipient.all();
        }
        throw new InvalidNoticeException(TO_KINDS);
    }

    /** The text frame a client receives for this notice. */
    public String frame(Envelope e) {
        return frame(e.id(), e.to(), null, e.timestamp(), e.event(), json(e.data()));
    }

    /** The frame of a notice that is not to a channel, as {@link #frame(String, Recipient, String, long, String, String)}. */
    public String frame(String id, long timestamp, String event, String data) {
        return frame(id, null, null, timestamp, event, data);
    }

    /**
     * The text frame a client receives for a notice whose payload is already compact JSON text, put together
     * without a generator: {@code {"type":"notice","id":...,"event":...,"data":...,"ts":...}}, with
     * {@code "channel":name} after the id for a notice to a channel, and {@code "from":user} after that for one
     * a client published.
     *
     * @param to the notice's recipient; {@code null} is taken as not a channel
     * @param from the user who published it on its channel, or {@code null}
     * @param event a name that passed {@link Notice#checkEvent}
     * @param data one JSON value without raw newlines, such as {@link #json} or {@link RestNotices} give
     */
    public String frame(String id, Recipient to, String from, long timestamp, String event, String data) {
        return frame(id, to, from, false, timestamp, event, data);
    }

    /**
     * The frame of {@link #frame(String, Recipient, String, long, String, String)}, with {@code "urgent":true} after
     * {@code from} for an {@code urgent} notice.
     */
    public String frame(String id, Recipient to, String from, boolean urgent, long timestamp, String event,
            String data) {
        return frame(id, to, from, urgent, timestamp, event, data, null);
    }

    /**
     * The frame of {@link #frame(String, Recipient, String, boolean, long, String, String)}, with
     * {@code "data_b64":base64} after {@code data} for a notice of bytes.
     */
    public String frame(String id, Recipient to, String from, boolean urgent, long timestamp, String event,
            String data, String base64) {
        StringBuilder frame = new StringBuilder(80 + id.length() + event.length() + data.length())
                .append("{\"type\":\"notice\",\"id\":");
        quote(frame, id);
        if (to != null && to.kind() == Recipient.Kind.CHANNEL) {
            frame.append(",\"channel\":\"").append(to.id()).append('"'); // a channel name is plain
        }
        if (from != null) {
            quote(frame.append(",\"from\":"), from);
        }
        if (urgent) {
            frame.append(",\"urgent\":true");
        }
        frame.append(",\"event\":");
        quote(frame, event).append(",\"data\":").append(data);
        if (base64 != null) {
            frame.append(",\"data_b64\":\"").append(base64).append('"'); // base64 is plain
        }
        return frame.append(",\"ts\":").append(timestamp).append('}').toString();
    }

    /** Appends {@code text} as a JSON string. */
    private StringBuilder quote(StringBuilder out, String text) {
        if (plain(text, 0, text.length())) {
            return out.append('"').append(text).append('"');
        }
        StringWriter quoted = new StringWriter(text.length() + 8);
        try (JsonGenerator g = generators.createGenerator(quoted)) {
            g.write(text);
        }
        return out.append(quoted.getBuffer());
    }

    /** A value as compact JSON text (never with a raw newline: the generator escapes them in strings). */
    public String json(JsonValue value) {
        return switch (value.getValueType()) {
            case NULL -> "null";
            case TRUE -> "true";
            case FALSE -> "false";
            case NUMBER -> value.toString();
            default -> {
                StringWriter out = new StringWriter(64);
                try (JsonGenerator g = generators.createGenerator(out)) {
                    g.write(value);
                }
                yield out.toString();
            }
        };
    }

    /**
     * The draft of a notice built in Java.
     *
     * @throws InvalidNoticeException when its payload is past {@link JsonInput}'s limits, which receiving nodes
     *     apply too
     */
    public Draft draft(Notice notice) {
        JsonInput.check(notice.data(), "'data'");
        return new Draft(notice.to(), notice.event(), json(notice.data()), notice.isTransient(), notice.isUrgent(),
                notice.base64());
    }

    /**
     * Parses a payload given as JSON text (the remote view's), within {@link JsonInput}'s limits for a payload.
     *
     * @throws InvalidNoticeException when it is not such JSON
     */
    public JsonValue readData(String text) {
        return input.read(text, "'data'", 0);
    }

    /**
     * Parses JSON text that must be one value, a frame or message (one level may enclose a payload nested up to
     * {@link JsonInput#MAX_DEPTH} levels), within {@link JsonInput}'s limits.
     *
     * @throws InvalidNoticeException naming {@code what} when it is not such JSON
     */
    public JsonValue read(String text, String what) {
        return input.read(text, what, 1);
    }

    /** Parses JSON text that must be an object, as {@link #read}. */
    public JsonObject readObject(String text, String what) {
        return input.readObject(text, what);
    }

    /**
     * {@code frame} (an object) with a stream position added: {@code "epoch":E,"offset":N}, and
     * {@code "recovered":true|false} unless {@code recovered} is {@code null}.
     */
    public String withPosition(String frame, History.Position position, Boolean recovered) {
        StringBuilder out = new StringBuilder(frame.length() + 64).append(frame, 0, frame.length() - 1)
                .append(",\"epoch\":");
        quote(out, position.epoch()).append(",\"offset\":").append(position.offset());
        if (recovered != null) {
            out.append(",\"recovered\":").append(recovered.booleanValue());
        }
        return out.append('}').toString();
    }

    /** {@code frame} (an object) with {@code "key":number} added; {@code key} needs no escaping. */
    public String withNumber(String frame, String key, long number) {
        return new StringBuilder(frame.length() + key.length() + 24).append(frame, 0, frame.length() - 1)
                .append(",\"").append(key).append("\":").append(number).append('}').toString();
    }

    /** Builds a small frame {@code {"type":type, key:value, ...}} from string pairs; a pair whose value is {@code null} is left out. */
    public String frame(String type, String... keyValues) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject().write("type", type);
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                if (keyValues[i + 1] != null) {
                    g.write(keyValues[i], keyValues[i + 1]);
                }
            }
            g.writeEnd();
        }
        return out.toString();
    }

    private static String requiredString(JsonObject o, String key) {
        JsonValue value = o.get(key);
        if (!(value instanceof JsonString s)) {
            throw new InvalidNoticeException("'" + key + "' must be a string");
        }
        return s.getString();
    }
}
