package dev.herald.web;

import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The fast path on Tyrus (Payara, GlassFish): text frames that Herald encodes itself, written with Tyrus's own
 * {@code TyrusWebSocket.sendRawFrame(ByteBuffer)}.
 *
 * <p>Tyrus's standard {@code sendText} reschedules the session's idle timer on the container's managed
 * scheduler on every send, even with the idle timeout off (a task handed to another thread per frame), and
 * builds, validates and copies the frame through several objects. The raw path does neither: it checks that
 * the session is open and writes the bytes to the connection's own writer. A frame sent to many sessions in a
 * row from one thread (a broadcast, a user's several sessions) is encoded once: each thread keeps the last
 * frame it encoded (up to 64 KB).
 *
 * <p>The same websocket lets Herald give a frame too large for Tyrus's buffer the standard close code: Tyrus
 * closes such a connection with 1011 "Buffer overflow.", and calls the endpoint's {@code @OnClose} before it
 * sends its close frame, while the websocket is still connected; {@link #closeInstead} closes it there with 1009,
 * and Tyrus, finding it closing, sends no close frame of its own.
 *
 * <p>Tyrus keeps its websocket in a package-private field of its remote endpoint, so it is reached by
 * reflection, once; where that fails (another Tyrus, a security manager, extensions negotiated on the session
 * that would change the frame's bytes), {@link #of} answers {@code null} and the standard API is used. Only
 * unextended, unfragmented server text frames are written (RFC 6455, section 5.2: no mask from a server).
 */
final class TyrusRawFrames {

    private static final Logger LOG = Logger.getLogger(TyrusRawFrames.class.getName());
    private static final String REMOTE_CLASS = "org.glassfish.tyrus.core.TyrusRemoteEndpoint";
    /** The last frame each thread encoded, as {text, bytes}: JDK types only, so no class loader is held. */
    private static final ThreadLocal<Object[]> LAST = new ThreadLocal<>();
    private static final int MAX_KEPT_BYTES = 64 * 1024;
    /** A final ping frame (opcode 9) with no payload (RFC 6455 5.5.2). */
    private static final byte[] PING = {(byte) 0x89, 0};

    /** The handles, resolved from the first Tyrus session seen; {@link #UNAVAILABLE} when that failed. */
    private static volatile Handles handles;
    private static final Handles UNAVAILABLE = new Handles(null, null, null);

    record Handles(MethodHandle webSocketOf, MethodHandle sendRawFrame, MethodHandle close) {
    }

    private final Object webSocket;
    private final Handles calls;

    TyrusRawFrames(Object webSocket, Handles calls) {
        this.webSocket = webSocket;
        this.calls = calls;
    }

    /** The raw path for {@code session}, or {@code null} where it is not available. */
    static TyrusRawFrames of(Session session) {
        if (!session.getNegotiatedExtensions().isEmpty()) {
            return null;
        }
        Object remote = session.getAsyncRemote();
        Handles h = handles;
        if (h == null) {
            h = resolve(remote.getClass());
            handles = h;
        }
        if (h == UNAVAILABLE) {
            return null;
        }
        try {
            Object webSocket = h.webSocketOf().invoke(remote);
            return webSocket == null ? null : new TyrusRawFrames(webSocket, h);
        } catch (Throwable e) {
            LOG.log(Level.FINE, "Tyrus raw frames unavailable for this session", e);
            return null;
        }
    }

    private static synchronized Handles resolve(Class<?> remoteClass) {
        if (handles != null) {
            return handles; // resolved by a session that connected at the same moment
        }
        try {
            Class<?> c = remoteClass;
            while (c != null && !c.getName().equals(REMOTE_CLASS)) {
                c = c.getSuperclass();
            }
            if (c == null) {
                throw new NoSuchFieldException(REMOTE_CLASS + " is not a superclass of " + remoteClass.getName());
            }
            Field field = c.getDeclaredField("webSocket");
            field.setAccessible(true);
            MethodHandle getter = MethodHandles.lookup().unreflectGetter(field)
                    .asType(MethodType.methodType(Object.class, Object.class));
            Handles h = handlesOf(field.getType(), getter);
            LOG.info("Sending frames through Tyrus's raw frame API (herald.ws.raw-frames=false turns this off)");
            return h;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warning(() -> "Tyrus's raw frame API is not reachable (" + e + "); sending through the standard API,"
                    + " which costs Tyrus an idle-timer task per frame (most of Payara's push throughput)");
            return UNAVAILABLE;
        }
    }

    /** The handles on a websocket of {@code webSocketClass}: its {@code sendRawFrame} and (if any) its close. */
    static Handles handlesOf(Class<?> webSocketClass, MethodHandle webSocketOf) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle send = lookup.unreflect(webSocketClass.getMethod("sendRawFrame", ByteBuffer.class))
                .asType(MethodType.methodType(Future.class, Object.class, ByteBuffer.class));
        return new Handles(webSocketOf, send, closeHandle(lookup, webSocketClass));
    }

    /** {@code TyrusWebSocket.close(int, String)}, or {@code null} where this Tyrus has none: only 1009 is lost then. */
    private static MethodHandle closeHandle(MethodHandles.Lookup lookup, Class<?> webSocketClass) {
        try {
            return lookup.unreflect(webSocketClass.getMethod("close", int.class, String.class))
                    .asType(MethodType.methodType(void.class, Object.class, int.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warning(() -> "Tyrus's websocket has no close(int, String) (" + e + "): a frame over Tyrus's buffer "
                    + "gets Tyrus's own close code, 1011, instead of 1009");
            return null;
        }
    }

    /** Writes {@code text} as one text frame; {@code done} gets {@code null} or the failure. */
    void send(String text, Consumer<Throwable> done) {
        Future<?> written = write(frame(text));
        if (written instanceof CompletionStage<?> stage) {
            stage.whenComplete((frame, error) -> done.accept(error));
            return;
        }
        // A Tyrus whose future cannot call back: reporting the write done at once would turn the session's
        // queue, buffer and send time limits off. Fail this send (the session closes with 1011 and its client
        // reconnects) and send through the standard API from now on.
        if (handles != UNAVAILABLE) {
            handles = UNAVAILABLE;
            LOG.warning("Tyrus's raw frame writes cannot report when they are done (" + written
                    + "); new sessions send through the standard API, which costs Tyrus an idle-timer task per frame");
        }
        done.accept(new IllegalStateException("Tyrus's raw frame write cannot report when it is done"));
    }

    /** Writes a ping frame with no payload; failures surface as the connection closing. */
    void ping() {
        write(PING);
    }

    /** Hands the bytes of one frame to {@code TyrusWebSocket.sendRawFrame}. */
    private Future<?> write(byte[] frame) {
        try {
            return (Future<?>) calls.sendRawFrame().invoke(webSocket, ByteBuffer.wrap(frame));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * From the endpoint's {@code @OnClose}, while Tyrus is closing the connection with {@code 1011} and before it
     * sent its close frame: closes it with {@code code} instead. Never throws; where the websocket is no longer
     * connected, Tyrus's own close stands.
     */
    void closeInstead(int code, String reason) {
        if (calls.close() == null) {
            return;
        }
        try {
            calls.close().invoke(webSocket, code, reason);
        } catch (Throwable e) {
            LOG.log(Level.FINE, "Tyrus closes the connection with its own code", e);
        }
    }

    /** The bytes of a final, unmasked text frame holding {@code text}; the last one is kept per thread. */
    static byte[] frame(String text) {
        Object[] last = LAST.get();
        if (last != null && last[0] == text) {
            return (byte[]) last[1];
        }
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int n = payload.length;
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        byte[] frame = new byte[header + n];
        frame[0] = (byte) 0x81; // FIN, opcode 1 (text)
        if (n < 126) {
            frame[1] = (byte) n;
        } else if (n <= 0xFFFF) {
            frame[1] = 126;
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, n);
        if (frame.length <= MAX_KEPT_BYTES) {
            LAST.set(new Object[] {text, frame});
        }
        return frame;
    }
}
