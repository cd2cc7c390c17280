package dev.herald.engine;

import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The shapes of a notice: the messages nodes exchange through the engine and the frame a client receives.
 *
 * <p>Redis message, version 1 (documented for foreign publishers):
 * {@code {"v":1,"id":"...","ts":1700000000000,"to":{"user":"alice"},"event":"...","data":...}} where
 * {@code to} is {@code {"user":id}}, {@code {"session":id}} or {@code {"all":true}}. Version 2, what Herald's
 * own nodes publish: a header line {@code {"v":2,"to":{...}}}, a newline, then the client frame exactly as
 * sessions receive it, so that a receiving node parses only the small header and never re-encodes the
 * notice; several such pairs may follow each other in one message, separated by newlines (a node batches
 * what one call sends to the same node). Client frame:
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
    private static final String ALL_HEADER = "{\"v\":2,\"to\":{\"all\":true}}";
    private static final String HEADER_END = "\"}}";
    private static final String TO_KINDS = "'to' must be {\"user\":id}, {\"session\":id} or {\"all\":true}";
    private static final String TO_SHAPE = "'to' must be an object: {\"user\":id}, {\"session\":id} or {\"all\":true}";

    private final JsonProvider json;
    private final JsonReaderFactory readers;
    private final JsonParserFactory parsers;
    private final JsonGeneratorFactory generators;

    public NoticeCodec() {
        this(JsonProvider.provider());
    }

    public NoticeCodec(JsonProvider json) {
        this.json = json;
        this.readers = json.createReaderFactory(Map.of());
        this.parsers = json.createParserFactory(Map.of());
        this.generators = json.createGeneratorFactory(Map.of());
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

    /** A message decoded for delivery: who it is for, and the client frame to send them. */
    public record Routed(Recipient to, String frame) {
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
     * one for version 1, one or more for version 2. Version 1 messages are checked field by field; in version
     * 2 messages (published by Herald nodes) each header is checked and each frame taken as it is, after a
     * check that it is a JSON object.
     *
     * @throws InvalidNoticeException saying what is wrong with the message (at its first bad notice)
     */
    public List<Routed> route(String message) {
        if (message == null || !message.startsWith(FRAMED_PREFIX)) {
            Envelope e = decode(message);
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
            Recipient to = header(message, start, newline);
            String frame = message.substring(newline + 1, end);
            if (frame.length() < 2 || frame.charAt(0) != '{' || frame.charAt(frame.length() - 1) != '}') {
                throw new InvalidNoticeException("version 2 frame must be a JSON object");
            }
            routed.add(new Routed(to, frame));
            start = end + 1;
        }
        return routed;
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
        switch (to.kind()) {
            case USER -> g.write("user", to.id());
            case SESSION -> g.write("session", to.id());
            case ALL -> g.write("all", true);
        }
        g.writeEnd();
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
        JsonValue v = o.get("v");
        if (!(v instanceof JsonNumber n) || n.intValue() != VERSION) {
            throw new InvalidNoticeException("'v' must be " + VERSION);
        }
        String id = requiredString(o, "id");
        Recipient.checkId("notice", id);
        JsonValue ts = o.get("ts");
        long timestamp;
        if (ts == null) {
            timestamp = System.currentTimeMillis();
        } else if (ts instanceof JsonNumber number && number.isIntegral()) {
            timestamp = number.longValue();
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

    /** Reads {@code {"user":id}}, {@code {"session":id}} or {@code {"all":true}}. */
    public Recipient recipient(JsonObject to) {
        if (to.size() != 1) {
            throw new InvalidNoticeException("'to' must have exactly one of user, session or all");
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
        return frame(e.id(), e.timestamp(), e.event(), json(e.data()));
    }

    /**
     * The text frame a client receives for a notice whose payload is already compact JSON text:
     * {@code {"type":"notice","id":...,"event":...,"data":...,"ts":...}}, put together without a generator.
     *
     * @param event a name that passed {@link Notice#checkEvent}
     * @param data one JSON value without raw newlines, such as {@link #json} or {@link #readNotices} give
     */
    public String frame(String id, long timestamp, String event, String data) {
        StringBuilder frame = new StringBuilder(64 + id.length() + event.length() + data.length())
                .append("{\"type\":\"notice\",\"id\":");
        quote(frame, id).append(",\"event\":");
        return quote(frame, event).append(",\"data\":").append(data).append(",\"ts\":").append(timestamp)
                .append('}').toString();
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
     * A notice ready to stamp, its payload already compact JSON text ({@link #json}).
     *
     * @throws InvalidNoticeException for a missing recipient, a bad event name, or a payload holding a raw
     *     newline (which would end the frame inside an engine message)
     */
    public record Draft(Recipient to, String event, String data) {
        public Draft {
            if (to == null) {
                throw new InvalidNoticeException("recipient must not be null");
            }
            Notice.checkEvent(event);
            if (data == null || data.isEmpty() || data.indexOf('\n') >= 0) {
                throw new InvalidNoticeException("the payload must be one JSON value without raw newlines");
            }
        }
    }

    /** The draft of a notice built in Java. */
    public Draft draft(Notice notice) {
        return new Draft(notice.to(), notice.event(), json(notice.data()));
    }

    /**
     * Reads the REST API's body, one notice object or an array of 1 to {@code max} of them, each
     * {@code {"to":{...},"event":"...","data":...}} (other fields are ignored), in one pass of a streaming
     * parser: the payloads are copied as compact JSON text, with no tree built.
     *
     * @throws InvalidNoticeException saying what is wrong, with the index of the notice at fault when the
     *     body is an array (-1 when the fault is the body's shape)
     */
    public List<Draft> readNotices(String text, int max) {
        List<Draft> drafts = new ArrayList<>();
        int index = -1;
        try (JsonParser p = parsers.createParser(new StringReader(text))) {
            JsonParser.Event first = p.hasNext() ? p.next() : null;
            if (first == JsonParser.Event.START_OBJECT) {
                index = 0; // a single notice is notice 0, as in an array
                drafts.add(draft(p, index));
            } else if (first == JsonParser.Event.START_ARRAY) {
                index = 0;
                // index is the notice being read: a syntax error before or inside a notice is blamed on it
                JsonParser.Event e = p.next();
                while (e != JsonParser.Event.END_ARRAY) {
                    if (index == max) {
                        throw new InvalidNoticeException(
                                "more than herald.api.max-notices (" + max + ") notices in one request", -1);
                    }
                    if (e != JsonParser.Event.START_OBJECT) {
                        throw new InvalidNoticeException("each notice must be a JSON object", index);
                    }
                    drafts.add(draft(p, index));
                    index++;
                    e = p.next();
                }
                if (drafts.isEmpty()) {
                    throw new InvalidNoticeException("the array holds no notice", -1);
                }
            } else {
                throw new InvalidNoticeException("the body must be a notice object or an array of them", -1);
            }
            index = -1; // what follows the body's value is no notice's fault
            if (p.hasNext()) {
                throw new InvalidNoticeException("the body holds more than one JSON value", -1);
            }
        } catch (JsonParsingException e) {
            throw new InvalidNoticeException("body is not valid JSON: " + e.getMessage(), index);
        } catch (JsonException | NoSuchElementException e) {
            throw new InvalidNoticeException("body is not valid JSON", index);
        }
        return drafts;
    }

    /** Reads notice {@code index}, its {@code START_OBJECT} already read; what is wrong with it names it. */
    private Draft draft(JsonParser p, int index) {
        try {
            return draft(p);
        } catch (InvalidNoticeException e) {
            throw new InvalidNoticeException(e.getMessage(), index);
        }
    }

    /** Reads one notice object, its {@code START_OBJECT} already read. */
    private Draft draft(JsonParser p) {
        Recipient to = null;
        String event = null;
        String data = "null";
        for (JsonParser.Event e = p.next(); e != JsonParser.Event.END_OBJECT; e = p.next()) {
            String key = p.getString();
            JsonParser.Event value = p.next();
            switch (key) {
                case "to" -> {
                    if (value != JsonParser.Event.START_OBJECT) {
                        throw new InvalidNoticeException(TO_SHAPE);
                    }
                    to = recipient(p);
                }
                case "event" -> {
                    if (value != JsonParser.Event.VALUE_STRING) {
                        throw new InvalidNoticeException("'event' must be a string");
                    }
                    event = p.getString();
                }
                case "data" -> data = copy(p, value);
                default -> skip(p, value);
            }
        }
        if (to == null) {
            throw new InvalidNoticeException(TO_SHAPE);
        }
        if (event == null) {
            throw new InvalidNoticeException("'event' must be a string");
        }
        return new Draft(to, event, data);
    }

    /** Reads {@code {"user":id}}, {@code {"session":id}} or {@code {"all":true}}, its start already read. */
    private static Recipient recipient(JsonParser p) {
        int keys = 0;
        String key = null;
        JsonParser.Event value = null;
        String id = null;
        for (JsonParser.Event e = p.next(); e != JsonParser.Event.END_OBJECT; e = p.next()) {
            keys++;
            key = p.getString();
            value = p.next();
            id = value == JsonParser.Event.VALUE_STRING ? p.getString() : null;
            skip(p, value);
        }
        if (keys != 1) {
            throw new InvalidNoticeException("'to' must have exactly one of user, session or all");
        }
        return switch (key) {
            case "user", "session" -> {
                if (id == null) {
                    throw new InvalidNoticeException("'" + key + "' must be a string");
                }
                yield key.equals("user") ? Recipient.user(id) : Recipient.session(id);
            }
            case "all" -> {
                if (value != JsonParser.Event.VALUE_TRUE) {
                    throw new InvalidNoticeException(TO_KINDS);
                }
                yield Recipient.all();
            }
            default -> throw new InvalidNoticeException(TO_KINDS);
        };
    }

    /** Skips the value that starts with {@code first}, nested objects and arrays included. */
    private static void skip(JsonParser p, JsonParser.Event first) {
        if (first == JsonParser.Event.START_OBJECT) {
            p.skipObject();
        } else if (first == JsonParser.Event.START_ARRAY) {
            p.skipArray();
        }
    }

    /** Copies the value that starts with {@code first} as compact JSON text. */
    private String copy(JsonParser p, JsonParser.Event first) {
        switch (first) {
            case VALUE_NULL:
                return "null";
            case VALUE_TRUE:
                return "true";
            case VALUE_FALSE:
                return "false";
            default:
                break;
        }
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = generators.createGenerator(out)) {
            int depth = 0;
            for (JsonParser.Event e = first; ; e = p.next()) {
                switch (e) {
                    case START_OBJECT -> {
                        g.writeStartObject();
                        depth++;
                    }
                    case START_ARRAY -> {
                        g.writeStartArray();
                        depth++;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        g.writeEnd();
                        depth--;
                    }
                    case KEY_NAME -> g.writeKey(p.getString());
                    case VALUE_STRING -> g.write(p.getString());
                    case VALUE_NUMBER -> g.write(p.getValue());
                    case VALUE_TRUE -> g.write(true);
                    case VALUE_FALSE -> g.write(false);
                    case VALUE_NULL -> g.writeNull();
                }
                if (depth == 0) {
                    break;
                }
            }
        }
        return out.toString();
    }

    /**
     * Parses JSON text that must be one value.
     *
     * @throws InvalidNoticeException naming {@code what} when it is not JSON
     */
    public JsonValue read(String text, String what) {
        if (text == null) {
            return JsonValue.NULL;
        }
        try (JsonReader reader = readers.createReader(new StringReader(text))) {
            return reader.readValue();
        } catch (JsonParsingException e) {
            throw new InvalidNoticeException(what + " is not valid JSON: " + e.getMessage());
        } catch (JsonException e) {
            throw new InvalidNoticeException(what + " is not valid JSON");
        }
    }

    /** Parses JSON text that must be an object. */
    public JsonObject readObject(String text, String what) {
        JsonValue value = read(text, what);
        if (!(value instanceof JsonObject object)) {
            throw new InvalidNoticeException(what + " must be a JSON object");
        }
        return object;
    }

    /** Builds a small frame {@code {"type":type, key:value, ...}} from string pairs. */
    public String frame(String type, String... keyValues) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject().write("type", type);
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                g.write(keyValues[i], keyValues[i + 1]);
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
