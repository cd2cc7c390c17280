package dev.herald.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TyrusRawFramesTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 200_000})
    void encodesAFinalUnmaskedTextFrameWithTheShortestLengthForm(int length) {
        String text = "a".repeat(length);
        ByteBuffer frame = ByteBuffer.wrap(TyrusRawFrames.frame(text));

        assertEquals((byte) 0x81, frame.get(), "FIN and opcode text");
        int second = frame.get() & 0xFF;
        assertEquals(0, second & 0x80, "a server frame is not masked");
        long decoded = switch (second) {
            case 126 -> frame.getShort() & 0xFFFF;
            case 127 -> frame.getLong();
            default -> second;
        };
        int headerLength = length < 126 ? 2 : length <= 65_535 ? 4 : 10;
        assertEquals(headerLength, frame.position(), "the shortest length form (RFC 6455 5.2)");
        assertEquals(length, decoded);
        byte[] payload = Arrays.copyOfRange(frame.array(), frame.position(), frame.limit());
        assertEquals(text, new String(payload, StandardCharsets.UTF_8));
    }

    @Test
    void lengthCountsUtf8BytesNotCharacters() {
        String text = "é€😀"; // 2 + 3 + 4 bytes
        byte[] frame = TyrusRawFrames.frame(text);
        assertEquals(9, frame[1]);
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(frame, 2, frame.length));
    }

    @Test
    void theSameFrameSentAgainOnOneThreadIsEncodedOnce() {
        String text = "{\"type\":\"notice\"}";
        byte[] first = TyrusRawFrames.frame(text);
        assertSame(first, TyrusRawFrames.frame(text));
        byte[] equalButOther = TyrusRawFrames.frame(new String(text));
        assertNotSame(first, equalButOther);
        assertArrayEquals(first, equalButOther);
    }

    /** Stands for Tyrus's websocket: its raw writes return the future it is given. */
    public static final class FakeWebSocket {
        java.util.concurrent.Future<?> next;
        final java.util.List<byte[]> written = new java.util.ArrayList<>();

        public java.util.concurrent.Future<?> sendRawFrame(ByteBuffer frame) {
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            written.add(bytes);
            return next;
        }
    }

    private static TyrusRawFrames over(FakeWebSocket ws) throws ReflectiveOperationException {
        return new TyrusRawFrames(ws, TyrusRawFrames.handlesOf(FakeWebSocket.class, null));
    }

    @Test
    void reportsASendDoneOnlyWhenTyrusCompletesTheWrite() throws Exception {
        FakeWebSocket ws = new FakeWebSocket();
        java.util.concurrent.CompletableFuture<Object> pending = new java.util.concurrent.CompletableFuture<>();
        ws.next = pending;
        java.util.List<Throwable> done = new java.util.ArrayList<>();
        over(ws).send("{\"type\":\"pong\"}", done::add);
        assertEquals(1, ws.written.size());
        assertEquals(0, done.size(), "in flight until Tyrus says it is written");
        pending.complete(null);
        assertEquals(java.util.Arrays.asList((Throwable) null), done);
    }

    @Test
    void failsASendWhoseFutureCannotReportCompletionRatherThanCallingItDone() throws Exception {
        FakeWebSocket ws = new FakeWebSocket();
        ws.next = new java.util.concurrent.FutureTask<>(() -> null); // a Future that is no CompletionStage
        java.util.List<Throwable> done = new java.util.ArrayList<>();
        over(ws).send("{\"type\":\"pong\"}", done::add);
        assertEquals(1, done.size());
        org.junit.jupiter.api.Assertions.assertNotNull(done.get(0),
                "reported done at once, the session's queue and time limits would never apply");
    }
}
