package dev.herald.engine;

import dev.herald.InvalidNoticeException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Map;

/**
 * Reads JSON that comes from outside the node (client frames, REST bodies, engine messages) within Herald's own
 * limits, which are checked before the parser's: a payload nests at most {@value #MAX_DEPTH} levels deep, and a
 * number is at most {@value #MAX_NUMBER_LENGTH} characters long.
 *
 * <p>Whatever the text, the only exception that leaves this class is {@link InvalidNoticeException}, whose
 * message is fit to send back to whoever sent the text: never a class name or a stack trace. Parsers have limits
 * of their own (Parsson throws a bare {@code RuntimeException} past 1,000 levels, and an
 * {@code UnsupportedOperationException} for a number over 1,100 characters); Herald's are lower, so that the
 * answer does not depend on the server's JSON provider. Thread safe; the factories are made once.
 */
public final class JsonInput {

    /** The deepest nesting of objects and arrays accepted inside a payload: {@code [[1]]} is 2 levels deep. */
    public static final int MAX_DEPTH = 64;
    /** The longest number accepted, in characters of its JSON text. */
    public static final int MAX_NUMBER_LENGTH = 100;

    private final JsonReaderFactory readers;
    private final JsonParserFactory parsers;
    private final JsonGeneratorFactory generators;

    public JsonInput(JsonProvider json) {
        this.readers = json.createReaderFactory(Map.of());
        this.parsers = json.createParserFactory(Map.of());
        this.generators = json.createGeneratorFactory(Map.of());
    }

    /**
     * Parses text that must be one JSON value, nested at most {@value #MAX_DEPTH} levels below its
     * {@code outer} enclosing levels (1 for a frame or message object that holds a payload).
     *
     * @throws InvalidNoticeException naming {@code what} when it is not such JSON
     */
    public JsonValue read(String text, String what, int outer) {
        if (text == null) {
            return JsonValue.NULL;
        }
        try {
            try (JsonParser p = parser(text)) {
                while (p.hasNext()) {
                    JsonParser.Event e = p.next();
                    if (e == JsonParser.Event.START_OBJECT || e == JsonParser.Event.START_ARRAY) {
                        // Skipping checks the limits of everything inside; the second pass builds the tree.
                        skip(p, e, what, outer);
                    } else if (e == JsonParser.Event.VALUE_NUMBER) {
                        checkNumber(p, what);
                    }
                }
            }
            try (JsonReader reader = readers.createReader(new StringReader(text))) {
                return reader.readValue();
            }
        } catch (RuntimeException e) {
            throw invalid(what, e);
        }
    }

    /** Parses text that must be a JSON object, as {@link #read} with one enclosing level. */
    public JsonObject readObject(String text, String what) {
        JsonValue value = read(text, what, 1);
        if (!(value instanceof JsonObject object)) {
            throw new InvalidNoticeException(what + " must be a JSON object");
        }
        return object;
    }

    /** A streaming parser over {@code text}; its failures go through {@link #invalid}. */
    JsonParser parser(String text) {
        return parsers.createParser(new StringReader(text));
    }

    /**
     * Skips the value that starts with {@code first} (already read), checking the limits inside it.
     *
     * @param outer how many levels enclose it and count toward {@value #MAX_DEPTH}, beyond the payload's own
     *     (0 for a payload itself)
     */
    void skip(JsonParser p, JsonParser.Event first, String what, int outer) {
        if (first != JsonParser.Event.START_OBJECT && first != JsonParser.Event.START_ARRAY) {
            if (first == JsonParser.Event.VALUE_NUMBER) {
                checkNumber(p, what);
            }
            return;
        }
        int depth = 1;
        checkDepth(depth, outer, what);
        while (depth > 0) {
            switch (p.next()) {
                case START_OBJECT, START_ARRAY -> checkDepth(++depth, outer, what);
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_NUMBER -> checkNumber(p, what);
                default -> {
                }
            }
        }
    }

    /** Copies the payload that starts with {@code first} (already read) as compact JSON text, within the limits. */
    String copy(JsonParser p, JsonParser.Event first, String what) {
        switch (first) {
            case VALUE_NULL:
                return "null";
            case VALUE_TRUE:
                return "true";
            case VALUE_FALSE:
                return "false";
            case VALUE_NUMBER:
                checkNumber(p, what);
                break;
            default:
                break;
        }
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = generators.createGenerator(out)) {
            int depth = 0;
            for (JsonParser.Event e = first; ; e = p.next()) {
                switch (e) {
                    case START_OBJECT -> {
                        checkDepth(++depth, 0, what);
                        g.writeStartObject();
                    }
                    case START_ARRAY -> {
                        checkDepth(++depth, 0, what);
                        g.writeStartArray();
                    }
                    case END_OBJECT, END_ARRAY -> {
                        g.writeEnd();
                        depth--;
                    }
                    case KEY_NAME -> g.writeKey(p.getString());
                    case VALUE_STRING -> g.write(p.getString());
                    case VALUE_NUMBER -> {
                        checkNumber(p, what);
                        g.write(p.getValue());
                    }
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
     * Checks a payload built in Java against the same limits, so that what a node sends is never dropped by the
     * node that receives it.
     *
     * @throws InvalidNoticeException naming {@code what} when it is nested too deep or holds too long a number
     */
    static void check(JsonValue value, String what) {
        check(value, what, 0);
    }

    private static void check(JsonValue value, String what, int depth) {
        switch (value.getValueType()) {
            case OBJECT -> {
                checkDepth(depth + 1, 0, what);
                for (JsonValue v : value.asJsonObject().values()) {
                    check(v, what, depth + 1);
                }
            }
            case ARRAY -> {
                checkDepth(depth + 1, 0, what);
                for (JsonValue v : value.asJsonArray()) {
                    check(v, what, depth + 1);
                }
            }
            case NUMBER -> {
                if (value.toString().length() > MAX_NUMBER_LENGTH) {
                    throw new InvalidNoticeException(what + " holds a number longer than " + MAX_NUMBER_LENGTH
                            + " characters");
                }
            }
            default -> {
            }
        }
    }

    private static void checkDepth(int depth, int outer, String what) {
        if (depth > MAX_DEPTH + outer) {
            throw new InvalidNoticeException(what + " is nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private static void checkNumber(JsonParser p, String what) {
        // The number's text, as read: no BigDecimal is made of it here.
        if (p.getString().length() > MAX_NUMBER_LENGTH) {
            throw new InvalidNoticeException(what + " holds a number longer than " + MAX_NUMBER_LENGTH + " characters");
        }
    }

    /**
     * What a failure while reading {@code what} tells its sender: Herald's own reason as it is, the parser's
     * position for a syntax error, and nothing of any other exception (parsers throw bare runtime exceptions for
     * their own limits, whose messages and classes are no business of the sender's).
     */
    static InvalidNoticeException invalid(String what, RuntimeException e) {
        if (e instanceof InvalidNoticeException invalid) {
            return invalid;
        }
        if (e instanceof JsonParsingException parsing && parsing.getMessage() != null) {
            return new InvalidNoticeException(what + " is not valid JSON: " + parsing.getMessage());
        }
        return new InvalidNoticeException(what + " is not valid JSON");
    }
}
