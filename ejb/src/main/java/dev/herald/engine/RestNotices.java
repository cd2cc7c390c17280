package dev.herald.engine;

import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST API's body, read in one pass of a streaming parser within {@link JsonInput}'s limits: one notice
 * object or an array of them, each {@code {"to":{...},"event":"...","data":...}} with optional booleans
 * {@code "transient"} and {@code "urgent"} (see {@link dev.herald.Notice}), the payloads copied as compact
 * JSON text with no tree built. What is wrong is said with the index of the notice at fault. Thread safe.
 */
public final class RestNotices {

    private final JsonInput input;

    public RestNotices(JsonProvider json) {
        this.input = new JsonInput(json);
    }

    /**
     * Reads the REST API's body, one notice object or an array of 1 to {@code max} of them, each
     * {@code {"to":{...},"event":"...","data":...}} (other fields are ignored), in one pass of a streaming
     * parser: the payloads are copied as compact JSON text, with no tree built.
     *
     * @throws InvalidNoticeException saying what is wrong, with the index of the notice at fault when the
     *     body is an array (-1 when the fault is the body's shape)
     */
    public List<Draft> read(String text, int max) {
        List<Draft> drafts = new ArrayList<>();
        int index = -1;
        try (JsonParser p = input.parser(text)) {
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
        } catch (InvalidNoticeException e) {
            throw e;
        } catch (RuntimeException e) {
            // a syntax error, or the parser's own limits (Herald's are lower, but a provider may differ)
            throw new InvalidNoticeException(JsonInput.invalid("body", e).getMessage(), index);
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
        boolean isTransient = false;
        boolean urgent = false;
        String base64 = null;
        for (JsonParser.Event e = p.next(); e != JsonParser.Event.END_OBJECT; e = p.next()) {
            String key = p.getString();
            JsonParser.Event value = p.next();
            switch (key) {
                case "to" -> {
                    if (value != JsonParser.Event.START_OBJECT) {
                        throw new InvalidNoticeException(NoticeCodec.TO_SHAPE);
                    }
                    to = recipient(p);
                }
                case "event" -> {
                    if (value != JsonParser.Event.VALUE_STRING) {
                        throw new InvalidNoticeException("'event' must be a string");
                    }
                    event = p.getString();
                }
                case "data" -> data = input.copy(p, value, "'data'");
                case "transient" -> isTransient = bool(value, "transient");
                case "urgent" -> urgent = bool(value, "urgent");
                case "data_b64" -> {
                    if (value != JsonParser.Event.VALUE_STRING) {
                        throw new InvalidNoticeException("'data_b64' must be a base64 string");
                    }
                    base64 = Notice.checkBase64(p.getString());
                }
                default -> input.skip(p, value, "'" + NoticeCodec.abbreviate(key) + "'", 0);
            }
        }
        if (to == null) {
            throw new InvalidNoticeException(NoticeCodec.TO_SHAPE);
        }
        if (event == null) {
            throw new InvalidNoticeException("'event' must be a string");
        }
        return new Draft(to, event, data, isTransient, urgent, base64);
    }

    private static boolean bool(JsonParser.Event value, String key) {
        if (value != JsonParser.Event.VALUE_TRUE && value != JsonParser.Event.VALUE_FALSE) {
            throw new InvalidNoticeException("'" + key + "' must be true or false");
        }
        return value == JsonParser.Event.VALUE_TRUE;
    }

    /**
     * Reads {@code {"user":id}}, {@code {"session":id}}, {@code {"channel":name}} or {@code {"all":true}}, its
     * start already read.
     */
    private Recipient recipient(JsonParser p) {
        int keys = 0;
        String key = null;
        JsonParser.Event value = null;
        String id = null;
        for (JsonParser.Event e = p.next(); e != JsonParser.Event.END_OBJECT; e = p.next()) {
            keys++;
            key = p.getString();
            value = p.next();
            id = value == JsonParser.Event.VALUE_STRING ? p.getString() : null;
            input.skip(p, value, "'to'", 0);
        }
        if (keys != 1) {
            throw new InvalidNoticeException(NoticeCodec.TO_ONE);
        }
        return switch (key) {
            case "user", "session", "channel" -> {
                if (id == null) {
                    throw new InvalidNoticeException("'" + key + "' must be a string");
                }
                yield switch (key) {
                    case "user" -> Recipient.user(id);
                    case "session" -> Recipient.session(id);
                    default -> Recipient.channel(id);
                };
            }
            case "all" -> {
                if (value != JsonParser.Event.VALUE_TRUE) {
                    throw new InvalidNoticeException(NoticeCodec.TO_KINDS);
                }
                yield Recipient.all();
            }
            default -> throw new InvalidNoticeException(NoticeCodec.TO_KINDS);
        };
    }

}
