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

/** The REST API's body: one pass, payloads copied compact, the index of the notice at fault. */
class RestNoticesTest {

    private final NoticeCodec codec = new NoticeCodec();
    private final RestNotices rest = new RestNotices(jakarta.json.spi.JsonProvider.provider());

    private static String nested(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    @Test
    void readsARestBodyIntoDraftsWithCompactPayloads() {
        List<Draft> drafts = rest.read("""
                [ {"event": "order.shipped", "data": {"order": 42, "items": [1, 2.50, -3e2, "a\\"b\\nc\\u00e9", true,
                    false, null, {}, []], "n": 12345678901234567890123}, "to": {"user": "alice"}, "extra": [{"x": 1}]},
                  {"to": {"all": true}, "event": "e"},
                  {"to": {"session": "n1-ab.3"}, "event": "e", "data": "line1\\nline2"} ]
                """, 10);
        assertEquals(3, drafts.size());
        assertEquals(new Draft(Recipient.user("alice"), "order.shipped",
                "{\"order\":42,\"items\":[1,2.50,-3E+2,\"a\\\"b\\nc\u00e9\",true,false,null,{},[]],"
                        + "\"n\":12345678901234567890123}"), drafts.get(0));
        assertEquals(new Draft(Recipient.all(), "e", "null"), drafts.get(1));
        assertEquals(new Draft(Recipient.session("n1-ab.3"), "e", "\"line1\\nline2\""), drafts.get(2));
        // the payload is the same JSON value as the tree parser reads
        JsonObject tree = codec.readObject("{\"order\": 42, \"items\": [1, 2.50, -3e2, \"a\\\"b\\nc\\u00e9\", true, false,"
                + " null, {}, []], \"n\": 12345678901234567890123}", "data");
        assertEquals(tree, codec.read(drafts.get(0).data(), "data"));
        assertEquals(List.of(new Draft(Recipient.user("bob"), "x", "7")),
                rest.read("{\"to\":{\"user\":\"bob\"},\"event\":\"x\",\"data\":7}", 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"a\"}}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"a\"},\"event\":\"has space\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"\"},\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":7},\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"all\":false},\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"a\",\"all\":true},\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":\"a\",\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"everyone\":true},\"event\":\"e\"}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"a\"},\"event\":[]}]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},\"not an object\"]",
        "[{\"to\":{\"user\":\"a\"},\"event\":\"e\"},{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"data\":[1,}]"
    })
    void namesTheFirstBadNoticeOfABody(String body) {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> rest.read(body, 10));
        assertEquals(1, e.index(), e.getMessage());
        assertTrue(!e.getMessage().isBlank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "7", "\"x\"", "null", "[]", "not json", "{\"to\":{\"all\":true},\"event\":\"e\"} {}",
        "[{\"to\":{\"all\":true},\"event\":\"e\"},{\"to\":{\"all\":true},\"event\":\"e\"},"
                + "{\"to\":{\"all\":true},\"event\":\"e\"}]",
        "{\"to\":{\"all\":true},\"event\":\"e\"", "[{\"to\":{\"all\":true},\"event\":\"e\"}"})
    void rejectsABodyOfTheWrongShape(String body) {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> rest.read(body, 2));
        assertTrue(!e.getMessage().isBlank());
    }

    @Test
    void theMaxNoticesMessageNamesItsSetting() {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> rest.read(
                "[{\"to\":{\"all\":true},\"event\":\"e\"},{\"to\":{\"all\":true},\"event\":\"e\"}]", 1));
        assertEquals("more than herald.api.max-notices (1) notices in one request", e.getMessage());
        assertEquals(-1, e.index());
    }

    @Test
    void aBadSingleNoticeIsNoticeZeroAndASyntaxErrorIsBlamedOnTheNoticeItIsIn() {
        assertEquals(0, assertThrows(InvalidNoticeException.class, () -> rest.read(
                "{\"to\":{\"user\":\"a\"},\"event\":\"bad event\"}", 10)).index());
        assertEquals(0, assertThrows(InvalidNoticeException.class, () -> rest.read(
                "{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"data\":[1,}", 10)).index());
        assertEquals(1, assertThrows(InvalidNoticeException.class, () -> rest.read(
                "[{\"to\":{\"all\":true},\"event\":\"e\"} {\"to\":{\"all\":true},\"event\":\"e\"}]", 10)).index());
        assertEquals(1, assertThrows(InvalidNoticeException.class, () -> rest.read(
                "[{\"to\":{\"all\":true},\"event\":\"e\"},]", 10)).index());
        assertEquals(-1, assertThrows(InvalidNoticeException.class, () -> rest.read(
                "{\"to\":{\"all\":true},\"event\":\"e\"} 7", 10)).index());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"data\":DEEP}",
        "{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"data\":{\"n\":LONG}}",
        "{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"data\":LONG}",
        "{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"ignored\":DEEP}",
        "{\"to\":{\"user\":\"a\",\"x\":DEEP},\"event\":\"e\"}"})
    void aRestBodyPastTheLimitsIsRefusedWithTheIndexOfItsNotice(String template) {
        String bad = template.replace("DEEP", nested(1000)).replace("LONG", "9".repeat(5000));
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class,
                () -> rest.read("[{\"to\":{\"all\":true},\"event\":\"ok\"}," + bad + "]", 10));
        assertEquals(1, e.index(), e.getMessage());
        assertTrue(e.getMessage().contains("nested more than 64 levels deep")
                || e.getMessage().contains("number longer than 100 characters"), e.getMessage());
        assertEquals(List.of(new Draft(Recipient.all(), "e", nested(JsonInput.MAX_DEPTH))),
                rest.read("{\"to\":{\"all\":true},\"event\":\"e\",\"data\":" + nested(64) + "}", 1));
    }

    @Test
    void readsANoticeToAChannel() {
        assertEquals(List.of(new Draft(Recipient.channel("room:lobby"), "e", "1")),
                rest.read("{\"to\":{\"channel\":\"room:lobby\"},\"event\":\"e\",\"data\":1}", 1));
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class,
                () -> rest.read("{\"to\":{\"channel\":\"no spaces\"},\"event\":\"e\"}", 1));
        assertEquals(0, e.index());
    }

    @Test
    void readsTheFlagsAndABase64PayloadAndRefusesBadOnes() {
        Draft d = rest.read("{\"to\":{\"user\":\"a\"},\"event\":\"e\",\"transient\":true,\"urgent\":true,"
                + "\"data_b64\":\"AAH/gA==\"}", 10).get(0);
        assertTrue(d.isTransient() && d.isUrgent());
        assertEquals("AAH/gA==", d.base64());
        for (String bad : List.of("\"data_b64\":\"AAH\"", "\"data_b64\":\"A=AB\"", "\"data_b64\":7",
                "\"data_b64\":\"AA\\nB\"", "\"urgent\":\"yes\"", "\"transient\":1")) {
            assertThrows(dev.herald.InvalidNoticeException.class,
                    () -> rest.read("{\"to\":{\"user\":\"a\"},\"event\":\"e\"," + bad + "}", 10), bad);
        }
    }
}
