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
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    private final JsonProvider json;
    private final JsonReaderFactory readers;
    private final JsonGeneratorFactory generators;

    public NoticeCodec() {
        this(JsonProvider.provider());
    }

    public NoticeCodec(JsonProvider json) {
        this.json = json;
        this.readers = json.createReaderFactory(Map.of());
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
     * quote, no backslash (ids never hold control characters).
     */
    private static boolean plain(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
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
            throw new InvalidNoticeException("'to' must be an object: {\"user\":id}, {\"session\":id} or {\"all\":true}");
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
        throw new InvalidNoticeException("'to' must be {\"user\":id}, {\"session\":id} or {\"all\":true}");
    }

    /** The text frame a client receives for this notice. */
    public String frame(Envelope e) {
        StringWriter out = new StringWriter(96);
        try (JsonGenerator g = generators.createGenerator(out)) {
            g.writeStartObject()
                    .write("type", "notice")
                    .write("id", e.id())
                    .write("event", e.event())
                    .write("data", e.data())
                    .write("ts", e.timestamp())
                    .writeEnd();
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
