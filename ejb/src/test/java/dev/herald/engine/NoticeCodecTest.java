package dev.herald.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.InvalidNoticeException;
import dev.herald.Recipient;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NoticeCodecTest {

    private final NoticeCodec codec = new NoticeCodec();

    @Test
    void encodesAndDecodesEveryKindOfRecipient() {
        for (Recipient to : List.of(Recipient.user("alice"), Recipient.session("n-1.2"), Recipient.all())) {
            Envelope e = new Envelope("id-1", 1234L, to, "order.shipped",
                    Json.createObjectBuilder().add("order", 42).build());
            assertEquals(e, codec.decode(codec.encode(e)));
        }
    }

    @Test
    void writesTheDocumentedRedisMessage() {
        Envelope e = new Envelope("id-1", 1234L, Recipient.user("alice"), "order.shipped", Json.createValue("hi"));
        assertEquals("{\"v\":1,\"id\":\"id-1\",\"ts\":1234,\"to\":{\"user\":\"alice\"},\"event\":\"order.shipped\","
                + "\"data\":\"hi\"}", codec.encode(e));
    }

    @Test
    void writesTheDocumentedClientFrame() {
        Envelope e = new Envelope("id-1", 1234L, Recipient.all(), "x", Json.createValue(7));
        JsonObject frame = codec.readObject(codec.frame(e), "frame");
        assertEquals("notice", frame.getString("type"));
        assertEquals("id-1", frame.getString("id"));
        assertEquals("x", frame.getString("event"));
        assertEquals(7, frame.getInt("data"));
        assertEquals(1234L, frame.getJsonNumber("ts").longValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "not json", "[]", "{}", "{\"v\":2,\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"e\"}",
        "{\"v\":1,\"to\":{\"all\":true},\"event\":\"e\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":{\"everyone\":true},\"event\":\"e\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":{\"user\":\"\"},\"event\":\"e\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":{\"user\":\"x\",\"all\":true},\"event\":\"e\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"has space\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"e\",\"ts\":\"soon\"}",
        "{\"v\":1,\"id\":\"a\",\"to\":\"alice\",\"event\":\"e\"}"
    })
    void rejectsMalformedMessagesWithAReason(String message) {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> codec.decode(message));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @Test
    void routesHeraldsFramedMessageWithoutReEncodingTheFrame() {
        Envelope e = new Envelope("id-9", 5L, Recipient.user("al\"ice"), "x", Json.createValue("line1\nline2"));
        String frame = codec.frame(e);
        String message = codec.encodeFramed(e.to(), frame);
        assertEquals(List.of(new NoticeCodec.Routed(Recipient.user("al\"ice"), frame)), codec.route(message));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "al\\ice", "al\"ice", "\u00e9l\u00efse \ud83d\ude00", "a}}", "n1.3f"})
    void framedHeadersRoundTripEveryIdAndKind(String id) {
        for (Recipient to : List.of(Recipient.user(id), Recipient.session(id), Recipient.all())) {
            String frame = codec.frame(new Envelope("i", 1L, to, "e", JsonValue.NULL));
            String message = codec.encodeFramed(to, frame);
            assertEquals(List.of(new NoticeCodec.Routed(to, frame)), codec.route(message), message);
            // what a JSON writer makes of the same header is read the same way
            String written = Json.createObjectBuilder().add("v", 2).add("to", to.kind() == Recipient.Kind.ALL
                    ? Json.createObjectBuilder().add("all", true)
                    : Json.createObjectBuilder().add(to.kind().name().toLowerCase(), id)).build() + "\n" + frame;
            assertEquals(List.of(new NoticeCodec.Routed(to, frame)), codec.route(written), written);
        }
    }

    @Test
    void routesEveryNoticeOfABatchedMessageInOrder() {
        List<NoticeCodec.Routed> expected = List.of(
                new NoticeCodec.Routed(Recipient.user("alice"), codec.frame(envelope(Recipient.user("alice"), 1))),
                new NoticeCodec.Routed(Recipient.all(), codec.frame(envelope(Recipient.all(), 2))),
                new NoticeCodec.Routed(Recipient.session("n.7"), codec.frame(envelope(Recipient.session("n.7"), 3))));
        String message = String.join("\n", expected.stream().map(r -> codec.encodeFramed(r.to(), r.frame())).toList());
        assertEquals(expected, codec.route(message));
    }

    private static Envelope envelope(Recipient to, int n) {
        return new Envelope("id-" + n, n, to, "e" + n, Json.createValue("line\n" + n));
    }

    @Test
    void routesTheDocumentedVersionOneMessageToTheSameFrame() {
        Envelope e = new Envelope("id-1", 1234L, Recipient.all(), "x", Json.createValue(7));
        assertEquals(List.of(new NoticeCodec.Routed(Recipient.all(), codec.frame(e))), codec.route(codec.encode(e)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"v\":2,\"to\":{\"all\":true}}", "{\"v\":2,\"to\":{\"all\":true}}\nnot a frame",
        "{\"v\":2,\"to\":\"x\"}\n{}", "{\"v\":2,\"to\":{\"user\":\"\"}}\n{}", "{\"v\":2,broken\n{}",
        "{\"v\":2,\"to\":{\"all\":true}}\n{}\n{\"v\":2,\"to\":{\"all\":true}}",
        "{\"v\":2,\"to\":{\"user\":\"a\"}}\n{}\n\n{}"})
    void rejectsMalformedFramedMessages(String message) {
        assertThrows(InvalidNoticeException.class, () -> codec.route(message));
    }

    @Test
    void acceptsAForeignMessageWithoutTimestamp() {
        Envelope e = codec.decode("{\"v\":1,\"id\":\"ext-1\",\"to\":{\"all\":true},\"event\":\"e\",\"data\":null}");
        assertEquals("ext-1", e.id());
        assertTrue(e.timestamp() > 0);
    }
}
