package dev.herald.web.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client on a plain socket, for what java.net.http cannot send: a frame header that announces more
 * payload than follows, a frame streamed slowly, binary frames at any moment. Client frames are masked (RFC 6455
 * 5.3); the server's frames are read on a thread of its own, up to its close frame or the end of the stream.
 */
public final class RawWs implements AutoCloseable {

    public static final int TEXT = 1;
    public static final int BINARY = 2;

    private final Socket socket;
    private final OutputStream out;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final StringBuilder texts = new StringBuilder();
    private final byte[] mask = new byte[4];
    private long masked;
    private volatile String closeReason;

    private RawWs(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        new SecureRandom().nextBytes(mask);
    }

    /** Opens {@code ws://host:port/path?query} and completes the upgrade; fails unless the server answers 101. */
    public static RawWs connect(URI uri) {
        try {
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            socket.setSoTimeout(10_000);
            RawWs ws = new RawWs(socket);
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n";
            ws.out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            ws.out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            if (!head.startsWith("HTTP/1.1 101")) {
                socket.close();
                throw new IllegalStateException("no upgrade: " + head);
            }
            socket.setSoTimeout(0);
            Thread reader = new Thread(() -> ws.read(in), "raw-ws-reader");
            reader.setDaemon(true);
            reader.start();
            return ws;
        } catch (IOException e) {
            throw new IllegalStateException("cannot connect to " + uri, e);
        }
    }

    /**
     * Sends the upgrade request for {@code uri} and closes the socket {@code after} later, without reading the
     * answer: a client that gives up while the server is still opening the connection.
     */
    public static void upgradeAndHangUp(URI uri, Duration after) {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            java.util.concurrent.locks.LockSupport.parkNanos(after.toNanos());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + uri, e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection ended in the upgrade answer: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private void read(InputStream in) {
        try {
            while (true) {
                int b0 = in.read();
                int b1 = in.read();
                if (b0 < 0 || b1 < 0) {
                    break;
                }
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = (in.read() << 8) | in.read();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | in.read();
                    }
                }
                byte[] payload = in.readNBytes((int) length);
                int opcode = b0 & 0x0F;
                if (opcode == 8) {
                    int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    closeReason = payload.length > 2
                            ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    closed.complete(code);
                } else if (opcode == TEXT) {
                    synchronized (texts) {
                        texts.append(new String(payload, StandardCharsets.UTF_8)).append('\n');
                    }
                }
            }
        } catch (IOException e) {
            // the connection ended
        } finally {
            closed.complete(1006);
            ended.complete(null);
        }
    }

    /** Writes a final frame's header announcing {@code length} bytes of payload; the payload follows with {@link #payload}. */
    public void header(int opcode, long length) throws IOException {
        header(opcode, length, true);
    }

    private void header(int opcode, long length, boolean fin) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream(14);
        h.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            h.write(0x80 | (int) length);
        } else if (length <= 0xFFFF) {
            h.write(0x80 | 126);
            h.write((int) (length >>> 8));
            h.write((int) length);
        } else {
            h.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                h.write((int) (length >>> (8 * i)));
            }
        }
        h.write(mask);
        masked = 0;
        out.write(h.toByteArray());
    }

    /** Writes payload bytes of the frame whose header went last, masked. */
    public void payload(byte[] bytes) throws IOException {
        byte[] m = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            m[i] = (byte) (bytes[i] ^ mask[(int) ((masked + i) & 3)]);
        }
        masked += bytes.length;
        out.write(m);
        out.flush();
    }

    /** Sends one frame of a fragmented message: {@code opcode} 1 for the first, 0 for the rest (RFC 6455 5.4). */
    public void fragment(int opcode, String text, boolean fin) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        header(opcode, payload.length, fin);
        payload(payload);
    }

    /** Sends one whole frame. */
    public void send(int opcode, byte[] payload) throws IOException {
        header(opcode, payload.length);
        payload(payload);
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends the header of a text frame of {@code announced} bytes, then its payload in 16 KB chunks until the
     * server closes, {@code max} bytes went out, or {@code limit} passed; a write the server no longer reads is
     * cut off at the limit. Returns the payload bytes written.
     */
    public long streamTextFrame(long announced, long max, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] chunk = "x".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
        long sent = 0;
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS));
        watchdog.thenRun(() -> {
            if (!closed.isDone()) {
                close(); // unblocks a write the server stopped reading
            }
        });
        try {
            header(TEXT, announced);
            while (sent < max && !closed.isDone() && System.nanoTime() < deadline) {
                payload(chunk);
                sent += chunk.length;
            }
        } catch (IOException e) {
            // the server ended the connection, or the watchdog did
        }
        return sent;
    }

    /** Waits up to {@code limit} for the server's close frame (or the end of the stream, 1006) and returns its code. */
    public int awaitClose(Duration limit) {
        return closed.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public String closeReason() {
        return closeReason;
    }

    /** Whether the server ended the TCP connection within {@code limit}. */
    public boolean awaitEnd(Duration limit) {
        try {
            ended.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The text frames received so far, one per line. */
    public String texts() {
        synchronized (texts) {
            return texts.toString();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
