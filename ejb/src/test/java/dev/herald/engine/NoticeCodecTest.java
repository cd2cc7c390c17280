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

    @ParameterizedTest
    @ValueSource(strings = {"id-1", "n\"1", "n\\1", "caf\u00e9"})
    void framesPutTogetherReadAsTheSameJson(String id) {
        JsonValue data = Json.createObjectBuilder().add("s", "quote \" slash \\ nl \n tab \t \u0001 \u2028")
                .add("n", Json.createArrayBuilder().add(1).add(2.5).add(Long.MAX_VALUE)).build();
        String frame = codec.frame(new Envelope(id, 99L, Recipient.all(), "a.b:c/d-e_f", data));
        assertTrue(frame.indexOf('\n') < 0, frame);
        JsonObject read = codec.readObject(frame, "frame");
        assertEquals(Json.createObjectBuilder().add("type", "notice").add("id", id).add("event", "a.b:c/d-e_f")
                .add("data", data).add("ts", 99L).build(), read);
    }

    @Test
    void aDraftRefusesWhatWouldBreakAnEngineMessage() {
        assertThrows(InvalidNoticeException.class,
                () -> new Draft(Recipient.all(), "e", "1}\n{\"v\":2,\"to\":{\"all\":true}}\n{}"));
        assertThrows(InvalidNoticeException.class, () -> new Draft(Recipient.all(), "bad event", "1"));
        assertThrows(InvalidNoticeException.class, () -> new Draft(null, "e", "1"));
        assertThrows(InvalidNoticeException.class, () -> new Draft(Recipient.all(), "e", ""));
        assertEquals("[1]", new Draft(Recipient.all(), "e", "[1]").data());
    }

    // Herald's own JSON limits, below the parser's: one answer whatever the JSON provider does past its own.

    private static String nested(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    @Test
    void readsAPayloadNestedToTheLimitAndRefusesOneLevelMoreWithHeraldsOwnReason() {
        String atLimit = "{\"type\":\"ping\",\"x\":" + nested(JsonInput.MAX_DEPTH) + "}";
        assertEquals("ping", codec.readObject(atLimit, "frame").getString("type"));
        for (int levels : new int[] {JsonInput.MAX_DEPTH + 1, 1000, 100_000}) {
            InvalidNoticeException e = assertThrows(InvalidNoticeException.class,
                    () -> codec.read("{\"type\":\"ping\",\"x\":" + nested(levels) + "}", "frame"));
            assertEquals("frame is nested more than 64 levels deep", e.getMessage());
        }
    }

    @Test
    void refusesANumberLongerThanTheLimitWithoutMakingABigDecimalOfIt() {
        assertEquals(100, codec.readObject("{\"n\":" + "1".repeat(100) + "}", "frame").getJsonNumber("n")
                .toString().length());
        for (String number : new String[] {"1".repeat(101), "1".repeat(5000), "1." + "1".repeat(5000)}) {
            InvalidNoticeException e = assertThrows(InvalidNoticeException.class,
                    () -> codec.read("{\"type\":\"ping\",\"n\":" + number + "}", "frame"));
            assertEquals("frame holds a number longer than 100 characters", e.getMessage());
        }
    }

    @Test
    void aForeignMessagePastTheLimitsOrWithAHugeExponentIsRefusedAtOnce() {
        String deep = "{\"v\":1,\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"e\",\"data\":" + nested(1000) + "}";
        assertTrue(assertThrows(InvalidNoticeException.class, () -> codec.route(deep)).getMessage()
                .contains("nested more than 64 levels deep"));
        // BigDecimal.intValue() of 1e999999999 would compute a billion-digit integer
        for (String field : new String[] {"\"v\":1e999999999", "\"v\":1,\"ts\":1e999999999"}) {
            String message = "{" + field + ",\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"e\"}";
            assertThrows(InvalidNoticeException.class, () -> codec.route(message), message);
        }
    }

    // A received version 2 frame is passed to clients as it is, so it must be a notice frame and nothing else.

    private static final String HEADER = "{\"v\":2,\"to\":{\"all\":true}}\n";

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"type\":\"notice\"", "not json {}", "{\"type\":\"notice\",\"id\":\"a\u0001\"}",
        "{\"type\":\"welcome\",\"session\":\"n-1.1\",\"user\":\"bob\"}",
        "{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"forged\"}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"bad event\",\"data\":1,\"ts\":1}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1,\"type\":\"welcome\"}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1,\"x\":1,\"x\":2}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1,\"a b\":1}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1,\"\":1}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1,\"k\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1}",
        "{\"type\":\"notice\",\"id\":\"\",\"event\":\"e\",\"data\":1,\"ts\":1}",
        "{\"type\":\"notice\",\"id\":7,\"event\":\"e\",\"data\":1,\"ts\":1}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1.5}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1e3}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":[1,],\"ts\":1}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1} {}",
        "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":\"raw \u0007 bell\",\"ts\":1}"})
    void dropsAVersionTwoMessageWhoseFrameIsNotAWellFormedNoticeFrame(String frame) {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> codec.route(HEADER + frame));
        assertTrue(e.getMessage().startsWith("version 2 frame"), e.getMessage());
        assertTrue(!e.getMessage().contains("Exception"), e.getMessage());
    }

    @Test
    void dropsAVersionTwoMessageWhoseFramePayloadIsPastTheLimits() {
        String deep = "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":" + nested(65) + ",\"ts\":1}";
        assertThrows(InvalidNoticeException.class, () -> codec.route(HEADER + deep));
        String ok = "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":" + nested(64) + ",\"ts\":1}";
        assertEquals(List.of(new NoticeCodec.Routed(Recipient.all(), ok)), codec.route(HEADER + ok));
    }

    @Test
    void aBadFrameAnywhereInABatchDropsTheWholeMessage() {
        String good = codec.frame(envelope(Recipient.all(), 1));
        String message = HEADER + good + "\n" + HEADER + "{\"type\":\"welcome\"}";
        assertThrows(InvalidNoticeException.class, () -> codec.route(message));
    }

    @Test
    void appliesTheNoticeSizeLimitOnReceiptAsWhenSending() {
        NoticeCodec small = new NoticeCodec(jakarta.json.spi.JsonProvider.provider(), 200);
        Envelope fits = new Envelope("i", 1L, Recipient.all(), "e", Json.createValue("x".repeat(100)));
        Envelope big = new Envelope("i", 1L, Recipient.all(), "e", Json.createValue("x".repeat(300)));
        assertEquals(1, small.route(small.encodeFramed(Recipient.all(), small.frame(fits))).size());
        assertThrows(InvalidNoticeException.class,
                () -> small.route(small.encodeFramed(Recipient.all(), small.frame(big))));
        assertThrows(InvalidNoticeException.class, () -> small.route(small.encode(big)), "version 1 too");
        assertThrows(InvalidNoticeException.class, () -> small.checkSize(small.encode(big)));
    }

    @Test
    void dropsAMessageLongerThanABatchEvenIfEachOfItsNoticesFits() {
        String frame = codec.frame(new Envelope("i", 1L, Recipient.all(), "e", Json.createValue("x".repeat(60_000))));
        String one = codec.encodeFramed(Recipient.all(), frame);
        int fitting = (NoticeCodec.MAX_BATCH_CHARS + 1) / (one.length() + 1);
        String fits = String.join("\n", java.util.Collections.nCopies(fitting, one));
        assertEquals(fitting, codec.route(fits).size());
        String tooLong = fits + "\n" + one;
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> codec.route(tooLong));
        assertTrue(e.getMessage().contains("more than " + NoticeCodec.MAX_BATCH_CHARS), e.getMessage());
    }

    @Test
    void refusesToSendAJavaPayloadThatAReceivingNodeWouldDrop() {
        jakarta.json.JsonValue deep = Json.createArrayBuilder().build();
        for (int i = 1; i < JsonInput.MAX_DEPTH; i++) {
            deep = Json.createArrayBuilder().add(deep).build();
        }
        dev.herald.Notice atLimit = new dev.herald.Notice(Recipient.all(), "e", deep);
        String frame = codec.frame("i", 1L, "e", codec.draft(atLimit).data());
        assertEquals(1, codec.route(codec.encodeFramed(Recipient.all(), frame)).size(), "received as sent");
        dev.herald.Notice tooDeep = new dev.herald.Notice(Recipient.all(), "e", Json.createArrayBuilder().add(deep).build());
        assertTrue(assertThrows(InvalidNoticeException.class, () -> codec.draft(tooDeep)).getMessage()
                .contains("nested more than 64 levels deep"));
        dev.herald.Notice longNumber = new dev.herald.Notice(Recipient.all(), "e",
                Json.createValue(new java.math.BigDecimal("1".repeat(101))));
        assertTrue(assertThrows(InvalidNoticeException.class, () -> codec.draft(longNumber)).getMessage()
                .contains("number longer than 100 characters"));
        assertThrows(InvalidNoticeException.class, () -> codec.readData("[".repeat(65) + "]".repeat(65)));
        assertEquals(64, depthOf(codec.readData(nested(64))));
    }

    private static int depthOf(jakarta.json.JsonValue v) {
        return v instanceof jakarta.json.JsonArray a ? 1 + (a.isEmpty() ? 0 : depthOf(a.get(0))) : 0;
    }

    @Test
    void acceptsFieldsThatALaterVersionAddsToANoticeFrameSoThatAnUpgradeLosesNothing() {
        String later = "{\"type\":\"notice\",\"id\":\"a\",\"seq\":3,\"event\":\"e\",\"data\":1,"
                + "\"ts\":1,\"rank\":7,\"tag\":\"x1\"}";
        assertEquals(List.of(new NoticeCodec.Routed(Recipient.all(), later)), codec.route(HEADER + later));
        StringBuilder many = new StringBuilder("{\"type\":\"notice\",\"id\":\"a\",\"event\":\"e\",\"data\":1,\"ts\":1");
        for (int i = 0; i < 9; i++) {
            many.append(",\"k").append(i).append("\":1");
        }
        assertThrows(InvalidNoticeException.class, () -> codec.route(HEADER + many + "}"), "at most 8 added fields");
    }

    @Test
    void carriesAChannelNoticeInEveryFormatAndRefusesAFrameWhoseChannelIsNotItsRecipients() {
        Recipient room = Recipient.channel("room:lobby");
        String frame = codec.frame("i", room, "alice", 1L, "e", "1");
        assertEquals("{\"type\":\"notice\",\"id\":\"i\",\"channel\":\"room:lobby\",\"from\":\"alice\",\"event\":\"e\","
                + "\"data\":1,\"ts\":1}", frame);
        String message = codec.encodeFramed(room, frame);
        assertEquals("{\"v\":2,\"to\":{\"channel\":\"room:lobby\"}}\n" + frame, message);
        assertEquals(List.of(new NoticeCodec.Routed(room, frame)), codec.route(message));
        Envelope v1 = new Envelope("x", 2L, room, "e", Json.createValue(3));
        assertEquals(List.of(new NoticeCodec.Routed(room, codec.frame(v1))), codec.route(codec.encode(v1)));
        assertTrue(codec.frame(v1).contains("\"channel\":\"room:lobby\""));
        String userFrame = codec.frame("i", Recipient.user("bob"), null, 1L, "e", "1");
        assertThrows(InvalidNoticeException.class, () -> codec.route("{\"v\":2,\"to\":{\"channel\":\"room:lobby\"}}\n"
                + userFrame), "a channel notice frame names its channel");
        assertThrows(InvalidNoticeException.class, () -> codec.route("{\"v\":2,\"to\":{\"channel\":\"room:other\"}}\n"
                + frame), "and the channel it is sent to");
        assertThrows(InvalidNoticeException.class, () -> codec.route(HEADER + frame), "not a broadcast");
        assertThrows(InvalidNoticeException.class, () -> codec.route("{\"v\":2,\"to\":{\"channel\":\"bad name\"}}\n"
                + frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "room:{tag}", "caf\u00e9", "a\u0000b", "quote\""})
    void refusesAnInvalidChannelName(String name) {
        assertThrows(InvalidNoticeException.class, () -> Recipient.channel(name));
    }

    @Test
    void acceptsChannelNamesOfTheDocumentedCharactersUpTo200() {
        assertEquals("room:lobby/sub.1_a-b@x=y", Recipient.channel("room:lobby/sub.1_a-b@x=y").id());
        assertEquals(200, Recipient.channel("c".repeat(200)).id().length());
        assertThrows(InvalidNoticeException.class, () -> Recipient.channel("c".repeat(201)));
    }

    @Test
    void encodesAndReadsAControlRequestAndTellsItFromANoticeMessage() {
        NoticeCodec.Control c = new NoticeCodec.Control(true, "al\"ice", "room:x");
        assertEquals(c, codec.control(codec.encode(c)));
        NoticeCodec.Control join = new NoticeCodec.Control(NoticeCodec.Op.JOIN, "bob", "room:x");
        assertEquals(join, codec.control(codec.encode(join)));
        assertTrue(join.announcement());
        assertEquals("{\"type\":\"join\",\"channel\":\"room:x\",\"user\":\"bob\"}", codec.announcementFrame(join));
        assertEquals(null, codec.control(codec.encode(new Envelope("i", 1L, Recipient.all(), "e", JsonValue.NULL))));
        for (String bad : List.of("{\"v\":3,\"op\":\"delete\",\"user\":\"a\",\"channel\":\"room:x\"}",
                "{\"v\":3,\"op\":\"subscribe\",\"user\":\"\",\"channel\":\"room:x\"}",
                "{\"v\":3,\"op\":\"subscribe\",\"user\":\"a\",\"channel\":\"bad name\"}",
                "{\"v\":3,\"op\":\"subscribe\",\"user\":\"a\",\"channel\":\"" + "x".repeat(2000) + "\"}")) {
            assertThrows(InvalidNoticeException.class, () -> codec.control(bad), bad);
        }
    }

    @Test
    void aFrameMayCarryBytesOffsetsAndUrgencyEachOfTheirTypeAndOffsetAndEpochOnlyTogether() {
        String kept = "{\"type\":\"notice\",\"offset\":3,\"epoch\":\"e1\",\"id\":\"a\",\"urgent\":true,\"event\":\"e\","
                + "\"data\":null,\"data_b64\":\"AAE=\",\"ts\":1}";
        NoticeCodec.Routed r = codec.route("{\"v\":2,\"to\":{\"user\":\"u\"}}\n" + kept).get(0);
        assertEquals(3, r.offset());
        assertEquals("e1", r.epoch());
        assertTrue(r.urgent());
        for (String bad : List.of(kept.replace("\"AAE=\"", "7"), kept.replace("\"AAE=\"", "\"A\""),
                kept.replace(",\"epoch\":\"e1\"", ""), kept.replace("\"offset\":3", "\"offset\":0"),
                kept.replace("\"urgent\":true", "\"urgent\":1"), kept.replace("\"e1\"", "\"has space\""))) {
            assertThrows(InvalidNoticeException.class, () -> codec.route("{\"v\":2,\"to\":{\"user\":\"u\"}}\n" + bad), bad);
        }
        assertThrows(InvalidNoticeException.class, () -> codec.route(HEADER + kept), "an offset only to a user or channel");
    }
}
