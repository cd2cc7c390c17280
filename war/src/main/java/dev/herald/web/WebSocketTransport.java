package dev.herald.web;

import dev.herald.node.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A WebSocket session as a node {@link Transport}: async text sends, pings, close with a code.
 *
 * <p>On Tyrus (Payara), every send reschedules the session's idle timer on the container's managed
 * scheduler, and Payara's Jakarta Concurrency then looks up thread-context providers with a ServiceLoader
 * over the thread's context class loader: for this WAR, a scan of every jar in WEB-INF/lib, per send. Sends
 * and pings on Tyrus therefore run with a context class loader that holds no jars, which makes that lookup
 * cheap; the idle task needs no application context. Where Tyrus's raw frame API is reachable, sends and
 * pings skip all that through {@link TyrusRawFrames}. Other containers send as they are.
 */
final class WebSocketTransport implements Transport {

    /** A class loader with no classpath of its own: ServiceLoader lookups through it find only the JDK's. */
    private static final ClassLoader LEAN = new ClassLoader(null) { };

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final boolean tyrus;
    private final TyrusRawFrames raw;

    /** @param raw Tyrus's raw frame API for this session, or {@code null} for the standard API */
    WebSocketTransport(Session session, TyrusRawFrames raw) {
        this.session = session;
        this.remote = session.getAsyncRemote();
        this.tyrus = isTyrus(session);
        this.raw = raw;
    }

    static boolean isTyrus(Session session) {
        return session.getClass().getName().startsWith("org.glassfish.tyrus.");
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        if (raw != null) {
            raw.send(text, done);
            return;
        }
        SendHandler handler = result -> done.accept(result.isOK() ? null : result.getException());
        onLeanLoader(() -> remote.sendText(text, handler));
    }

    @Override
    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void ping() {
        if (raw != null) {
            raw.ping();
            return;
        }
        onLeanLoader(() -> remote.sendPing(ByteBuffer.allocate(0)));
    }

    private interface ContainerCall {
        void run() throws IOException;
    }

    /** Runs {@code call}, on Tyrus with the {@link #LEAN} context class loader (see above). */
    private void onLeanLoader(ContainerCall call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (tyrus) {
            thread.setContextClassLoader(LEAN);
        }
        try {
            call.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tyrus) {
                thread.setContextClassLoader(previous);
            }
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
