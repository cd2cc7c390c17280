package dev.herald.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Thousands of WebSocket connections in this one process (Netty, two event loop threads), each recording the
 * notices it receives into the current {@link Measure}. A notice's data carries {@code {"b":[step,index,
 * sendNanos]}} (non-negative numbers), found in the frame's bytes without decoding them; in frames that are
 * JSON arrays (batches) each is found. The server's pings are answered by Netty, and Engine.IO's text pings
 * ({@code 2}, socket.io's) with {@code 3}, so the same client drives a socket.io server over a plain WebSocket.
 *
 * <p>The generator shares the machine's cores with the servers it measures, so its own cost per message
 * matters: the JDK's WebSocket client took about twice the CPU per delivery of the thin server itself.
 */
final class LoadClient implements AutoCloseable {

    /** Ping slots of 100 ms: each connection pings once every 25 s. */
    private static final int PING_SLOTS = 250;
    private static final byte[] MARK = "\"b\":[".getBytes(StandardCharsets.US_ASCII);
    /**
     * In a connection's first frames, what follows this waits for the server's socket.io CONNECT answer (a frame
     * that starts with {@code 40}): socket.io drops events that come before it.
     */
    static final String AFTER_CONNECT = "\n\u0001";

    private final EventLoopGroup group = new NioEventLoopGroup(2, r -> {
        Thread t = new Thread(r, "bench-ws");
        t.setDaemon(true);
        return t;
    });
    private final List<Connection> connections = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger closedUnexpectedly = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicReference<String> firstProblem =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Measure measure;
    private final io.netty.util.concurrent.ScheduledFuture<?> pinger;

    LoadClient() {
        // Every connection pings every 25 s, as Herald's browser client does, each at its own moment (a tenth of
        // a second holds 1/250 of them): servers close a connection that sent nothing for their read timeout
        // (WildFly: 60 s), which would otherwise end a silent target's connections (thin) mid-run, and pings
        // sent by all connections at once would stall the servers in bursts that no real audience makes.
        AtomicInteger tick = new AtomicInteger();
        pinger = group.next().scheduleAtFixedRate(() -> {
            int slot = tick.getAndIncrement() % PING_SLOTS;
            List<Connection> all = connections;
            for (int i = slot; i < all.size(); i += PING_SLOTS) {
                Connection c = all.get(i);
                Channel ch = c.channel;
                if (ch != null && ch.isActive() && !c.closing && c.handshake != null && c.handshake.isSuccess()) {
                    ch.writeAndFlush(new PingWebSocketFrame());
                }
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
    }

    void measure(Measure m) {
        measure = m;
    }

    /**
     * Opens {@code count} connections, at most {@code parallel} at a time.
     *
     * @param uri the URI of connection {@code i}
     * @param firstFrame the text connection {@code i} sends once its handshake is done (Herald's auth frame,
     *     then maybe more frames, one per line), or {@code null} for none; a connection that sends one counts as
     *     open once the server's first frame came
     * @return connections opened per second
     */
    double open(int count, IntFunction<URI> uri, IntFunction<String> firstFrame, int parallel) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i += parallel) {
            List<Promise<Void>> wave = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + parallel); j++) {
                Connection c = new Connection(firstFrame == null ? null : firstFrame.apply(j));
                connections.add(c);
                wave.add(c.connect(uri.apply(j)));
            }
            for (Promise<Void> handshake : wave) {
                if (!handshake.awaitUninterruptibly(60, TimeUnit.SECONDS) || !handshake.isSuccess()) {
                    throw new IllegalStateException("WebSocket handshake failed", handshake.cause());
                }
            }
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    int size() {
        return connections.size();
    }

    /** Milliseconds from handshake to the server's close frame, of the connections it closed with {@code code}. */
    List<Long> closeDelaysMillis(int code) {
        List<Long> delays = new ArrayList<>();
        synchronized (connections) {
            for (Connection c : connections) {
                if (c.closeFrameNanos != 0 && c.closeCode == code && c.openedNanos != 0) {
                    delays.add((c.closeFrameNanos - c.openedNanos) / 1_000_000);
                }
            }
        }
        delays.sort(null);
        return delays;
    }

    int closedUnexpectedly() {
        return closedUnexpectedly.get();
    }

    /** What ended the first connection that closed unexpectedly (a close frame's code, or an error). */
    String firstProblem() {
        return firstProblem.get();
    }

    @Override
    public void close() {
        pinger.cancel(false);
        List<ChannelFuture> closing = new ArrayList<>();
        for (Connection c : connections) {
            Channel ch = c.channel;
            if (ch != null && ch.isActive()) {
                c.closing = true;
                closing.add(ch.writeAndFlush(new CloseWebSocketFrame(1000, "done")));
            }
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        for (Connection c : connections) {
            c.closing = true;
            if (c.channel != null) {
                c.channel.close();
            }
        }
        connections.clear();
        Future<?> down = group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        down.awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** One connection; its handler runs on one event loop thread only, which owns {@link #seen}. */
    private final class Connection extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        volatile Channel channel;
        volatile boolean closing;
        private Promise<Void> handshake;
        /** Sent once the handshake is done; then the connection is open when the server's first frame comes. */
        private final String firstFrame;
        private final BitSet seen = new BitSet();
        private int seenStep = -1;
        /** When the handshake completed, and when the server's close frame came (System.nanoTime), or 0. */
        volatile long openedNanos;
        volatile long closeFrameNanos;
        volatile int closeCode;

        /** Frames to send once the server's socket.io CONNECT answer came, or {@code null}. */
        private String afterConnect;

        /** Sends each line of {@code frames} as a text frame: the auth frame, then any others (subscribes). */
        private void send(ChannelHandlerContext ctx, String frames) {
            for (String line : frames.split("\n")) {
                ctx.write(new TextWebSocketFrame(line));
            }
            ctx.flush();
        }

        Connection(String firstFrame) {
            this.firstFrame = firstFrame;
        }

        Promise<Void> connect(URI uri) {
            handshake = group.next().newPromise();
            WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(uri).version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders())
                    .maxFramePayloadLength(64 << 20).handshakeTimeoutMillis(20_000).withUTF8Validator(false)
                    .handleCloseFrames(false).build();
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65_536),
                                    new WebSocketClientProtocolHandler(config),
                                    new WebSocketFrameAggregator(64 << 20), Connection.this);
                        }
                    });
            ChannelFuture connected = b.connect(uri.getHost(), uri.getPort());
            channel = connected.channel();
            connected.addListener(f -> {
                if (!f.isSuccess()) {
                    handshake.tryFailure(f.cause());
                }
            });
            return handshake;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                openedNanos = System.nanoTime();
                if (firstFrame == null) {
                    handshake.trySuccess(null);
                } else {
                    int wait = firstFrame.indexOf(AFTER_CONNECT);
                    String now = wait < 0 ? firstFrame : firstFrame.substring(0, wait);
                    afterConnect = wait < 0 ? null : firstFrame.substring(wait + AFTER_CONNECT.length());
                    send(ctx, now);
                }
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                handshake.tryFailure(new IllegalStateException("handshake timed out"));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof CloseWebSocketFrame close) {
                closeFrameNanos = System.nanoTime();
                closeCode = close.statusCode();
                if (!closing) {
                    firstProblem.compareAndSet(null, "close frame " + close.statusCode() + " " + close.reasonText());
                }
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                close.release();
                return;
            }
            super.channelRead(ctx, msg);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            if (!handshake.isDone()) {
                handshake.trySuccess(null);
            }
            ByteBuf text = frame.content();
            if (text.readableBytes() == 1 && text.getByte(text.readerIndex()) == '2') {
                ctx.writeAndFlush(new TextWebSocketFrame("3")); // Engine.IO's ping (socket.io): answer its pong
                return;
            }
            if (afterConnect != null && text.readableBytes() >= 2 && text.getByte(text.readerIndex()) == '4'
                    && text.getByte(text.readerIndex() + 1) == '0') {
                String frames = afterConnect;
                afterConnect = null;
                send(ctx, frames);
            }
            Measure m = measure;
            if (m != null) {
                record(m, frame.content());
            }
        }

        private void record(Measure m, ByteBuf text) {
            if (seenStep != m.step) {
                seen.clear();
                seenStep = m.step;
            }
            int end = text.writerIndex();
            for (int at = indexOf(text, text.readerIndex(), end); at >= 0; at = indexOf(text, at, end)) {
                long[] v = new long[3];
                int i = at;
                for (int k = 0; k < 3; k++) {
                    long n = 0;
                    byte c;
                    while (i < end && (c = text.getByte(i++)) >= '0' && c <= '9') {
                        n = n * 10 + (c - '0');
                    }
                    v[k] = n;
                }
                at = i;
                int step = (int) v[0];
                int index = (int) v[1];
                if (step == m.step) {
                    boolean first = !seen.get(index);
                    if (first) {
                        seen.set(index);
                    }
                    m.delivered(index, v[2], first);
                }
            }
        }

        /** The position just after the next {@code "b":[} at or after {@code from}, or -1. */
        private int indexOf(ByteBuf text, int from, int end) {
            outer:
            for (int i = from; i <= end - MARK.length; i++) {
                for (int k = 0; k < MARK.length; k++) {
                    if (text.getByte(i + k) != MARK[k]) {
                        continue outer;
                    }
                }
                return i + MARK.length;
            }
            return -1;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            handshake.tryFailure(new IllegalStateException("connection closed during the handshake"));
            if (!closing) {
                closedUnexpectedly.incrementAndGet();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.tryFailure(cause);
            if (!closing) {
                firstProblem.compareAndSet(null, String.valueOf(cause));
            }
            ctx.close();
        }
    }
}
