package dev.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NoticeTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "order.shipped", "A-Z_0:9/x"})
    void acceptsEventNamesOfTheDocumentedCharacters(String event) {
        assertEquals(event, new Notice(Recipient.all(), event, null).event());
    }

    @Test
    void acceptsAnEventNameOf128Characters() {
        assertEquals(128, new Notice(Recipient.all(), "x".repeat(128), null).event().length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "quo\"te", "back\\slash", "new\nline", "caf\u00e9", "x\u0000",
        "\u0661", "semi;colon"})
    void refusesOtherEventNames(String event) {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class,
                () -> new Notice(Recipient.all(), event, null));
        assertTrue(e.getMessage().startsWith("event must be 1 to 128 characters"), e.getMessage());
    }

    @Test
    void refusesAnEventNameLongerThan128AndANullOne() {
        assertThrows(InvalidNoticeException.class, () -> new Notice(Recipient.all(), "x".repeat(129), null));
        assertThrows(InvalidNoticeException.class, () -> new Notice(Recipient.all(), null, null));
    }

    @Test
    void aMissingPayloadIsJsonNull() {
        assertEquals(JsonValue.NULL, new Notice(Recipient.user("alice"), "e", null).data());
    }
}
