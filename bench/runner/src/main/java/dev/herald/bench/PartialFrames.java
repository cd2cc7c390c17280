package dev.herald.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections that each hold a text frame in progress on the server (scenario F): a frame header that
 * announces 48 MB, then {@code bytes} of its payload, and nothing more, as a hostile client would. Plain
 * sockets: no WebSocket client sends half a frame.
 */
final class PartialFrames implements AutoCloseable {

    private final List<Socket> sockets = new ArrayList<>();

    /**
     * Opens a connection to {@code uri} and sends a frame header announcing 48 MB and {@code bytes} of payload:
     * {@code ж}, two bytes each in UTF-8 and outside Latin-1, so that a Java string of them takes two bytes per
     * character (the worst case for text a server puts together).
     */
    void open(URI uri, int bytes) throws IOException {
        Socket s = new Socket(uri.getHost(), uri.getPort());
        sockets.add(s);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("no upgrade answer");
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + head);
        }
        long announced = 48L << 20;
        byte[] header = new byte[14];
        header[0] = (byte) 0x81; // FIN, text
        header[1] = (byte) (0x80 | 127); // masked, 64-bit length
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (announced >>> (56 - 8 * i));
        }
        // mask key 0: the payload goes as it is
        out.write(header);
        byte[] e = "ж".getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[bytes - bytes % 2];
        for (int i = 0; i < payload.length; i += 2) {
            payload[i] = e[0];
            payload[i + 1] = e[1];
        }
        out.write(payload);
        out.flush();
    }

    /** How many of the connections the server has closed (read the close frame, or the end). */
    int closedByServer() {
        int closed = 0;
        for (Socket s : sockets) {
            try {
                s.setSoTimeout(1);
                s.getInputStream().read(); // a close frame, or the end: either way the server is done with it
                closed++;
            } catch (java.net.SocketTimeoutException open) {
                // nothing came: still open
            } catch (IOException ended) {
                closed++;
            }
        }
        return closed;
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
