package dev.herald.web;

import dev.herald.node.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A WebSocket session as a node {@link Transport}: async text sends, pings, close with a code. */
final class WebSocketTransport implements Transport {

    private final Session session;
    private final RemoteEndpoint.Async remote;

    WebSocketTransport(Session session) {
        this.session = session;
        this.remote = session.getAsyncRemote();
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        remote.sendText(text, result -> done.accept(result.isOK() ? null : result.getException()));
    }

    @Override
    public void ping() {
        try {
            remote.sendPing(ByteBuffer.allocate(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close(int code, String reason) {
        close(session, code, reason);
    }

    /** Closes {@code session} with {@code code}; the reason is cut to the 123 bytes a close frame allows. */
    static void close(Session session, int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), fit(reason)));
        } catch (IOException | IllegalStateException e) {
            // Already closed or broken: nothing left to tell the client.
        }
    }

    private static String fit(String reason) {
        String r = reason;
        while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }
}
