package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.InvalidNoticeException;
import dev.herald.engine.History;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ResumeTest {

    @Test
    void readsASinceQueryParameterAsEpochColonOffset() {
        assertEquals(new History.Position("k3j9x0qa", 12), Resume.since("k3j9x0qa:12"));
        assertEquals(new History.Position("E", 0), Resume.since("E:0"));
        assertNull(Resume.since(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "E", "E:", ":5", "E:x", "E:-1", "e f:1", "E:1234567890123456789", "a\"b:1",
            "012345678901234567890123456789012:1"})
    void refusesAnythingElse(String text) {
        assertThrows(InvalidNoticeException.class, () -> Resume.since(text));
    }
}
