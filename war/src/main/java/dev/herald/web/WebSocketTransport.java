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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>A container may refuse a ping while a text send is in progress (the WebSocket API lets it: Open Liberty throws
 * {@link IllegalStateException}); such a ping waits, and goes out as soon as that send is done, before the next.
 */
final class WebSocketTransport implements Transport {

    /** A class loader with no classpath of its own: ServiceLoader lookups through it find only the JDK's. */
    private static final ClassLoader LEAN = new ClassLoader(null) { };

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final boolean tyrus;
    private final TyrusRawFrames raw;
    /** Text sends started and not yet done (the standard API only). */
    private final AtomicInteger sending = new AtomicInteger();
    /** A ping the container refused while a send was in progress, to go out once it is done. */
    private final AtomicBoolean pingWaits = new AtomicBoolean();

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
        SendHandler handler = result -> {
            sending.decrementAndGet();
            pingIfWaiting();
            done.accept(result.isOK() ? null : result.getException());
        };
        sending.incrementAndGet();
        try {
            onLeanLoader(() -> remote.sendText(text, handler));
        } catch (RuntimeException e) {
            sending.decrementAndGet();
            throw e;
        }
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
        try {
            sendPing();
        } catch (IllegalStateException busy) {
            if (!session.isOpen()) {
                throw busy;
            }
            // A send in progress: the ping goes out when it is done (or now, if it just was).
            pingWaits.set(true);
            if (sending.get() == 0) {
                pingIfWaiting();
            }
        }
    }

    /** Sends the ping that waits for a send, if one does; before the session's next send can start. */
    private void pingIfWaiting() {
        if (pingWaits.compareAndSet(true, false)) {
            try {
                sendPing();
            } catch (RuntimeException e) {
                close(1011, "ping failed"); // the next ping round would find it dead anyway
            }
        }
    }

    private void sendPing() {
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
