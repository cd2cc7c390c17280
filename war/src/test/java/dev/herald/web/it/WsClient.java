package dev.herald.web.it;

import static org.awaitility.Awaitility.await;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client for the tests (java.net.http): records every frame object it receives (batched array
 * frames taken apart) and the close code.
 */
public final class WsClient implements WebSocket.Listener, AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonReaderFactory READERS = Json.createReaderFactory(Map.of());

    private final List<JsonObject> frames = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile String closeReason;
    private volatile boolean paused;
    private volatile int pings;
    private WebSocket socket;

    private WsClient() {
    }

    /**
     * Connects, reads until the server's first ping has been answered (its welcome came before it), then reads
     * nothing more, as a client that stopped reading would, until {@link #resume()}. (A client that never reads
     * from the start never answers that ping, and Herald closes it with 4408 within herald.ws.auth-timeout.)
     */
    public static WsClient connectThenStopReading(URI uri) {
        WsClient client = new WsClient().open(uri);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pings > 0);
        client.paused = true;
        return client;
    }

    /** Starts reading again what a paused client left unread. */
    public void resume() {
        paused = false;
        socket.request(Long.MAX_VALUE);
    }

    /**
     * Connects to {@code uri}, waits for the handshake and sends {@code {"type":"auth","token":token}} as the
     * first frame, as herald.js does.
     */
    public static WsClient connectWithAuthFrame(URI uri, String token) {
        WsClient client = connect(uri);
        client.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        return client;
    }

    /** Connects to {@code uri} (with any headers, e.g. Origin) and waits for the handshake. */
    public static WsClient connect(URI uri, String... headers) {
        return new WsClient().open(uri, headers);
    }

    private WsClient open(URI uri, String... headers) {
        WsClient client = this;
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        try {
            client.socket = builder.buildAsync(uri, client).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot connect to " + uri, e);
        }
        return client;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JsonValue value = READERS.createReader(new StringReader(partial.toString())).readValue();
            partial.setLength(0);
            if (value instanceof JsonArray array) {
                array.forEach(v -> frames.add(v.asJsonObject()));
            } else {
                frames.add(value.asJsonObject());
            }
        }
        if (!paused) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
        pings++; // the client answers by itself
        if (!paused) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(1006);
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public List<JsonObject> frames() {
        return List.copyOf(frames);
    }

    public List<JsonObject> ofType(String type) {
        return frames.stream().filter(f -> type.equals(f.getString("type", null))).toList();
    }

    /** The notices' event names, in arrival order. */
    public List<String> events() {
        return ofType("notice").stream().map(n -> n.getString("event")).toList();
    }

    /** Waits for the {@code welcome} frame and returns the session id it gives. */
    public String awaitSessionId() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !ofType("welcome").isEmpty());
        return ofType("welcome").get(0).getString("session");
    }

    /** Waits until a notice with this event arrived. */
    public void awaitEvent(String event) {
        await().atMost(Duration.ofSeconds(10)).until(() -> events().contains(event));
    }

    /** Waits for the close and returns its code. */
    public int awaitClose() {
        return awaitClose(Duration.ofSeconds(10));
    }

    /** Waits up to {@code limit} for the close and returns its code. */
    public int awaitClose(Duration limit) {
        return closed.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** How many pings the server sent so far. */
    public int pings() {
        return pings;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public String closeReason() {
        return closeReason;
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }
}
