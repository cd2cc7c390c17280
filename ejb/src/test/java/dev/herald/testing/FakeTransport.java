package dev.herald.testing;

import dev.herald.node.Transport;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A transport that records what it is sent. By default each send completes at once on the sending thread;
 * {@link #hold()} makes sends wait until {@link #release()}, as a client that stopped reading would. It is
 * open until closed, by the node ({@link #close}) or by the client ({@link #closeByClient}).
 */
public class FakeTransport implements Transport {

    private static final JsonReaderFactory READERS = Json.createReaderFactory(Map.of());

    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> pending = new ArrayList<>();
    private volatile boolean holding;
    private volatile int closeCode;
    private volatile int pings;
    private volatile boolean clientClosed;

    @Override
    public void send(String text, Consumer<Throwable> done) {
        texts.add(text);
        synchronized (this) {
            if (holding) {
                pending.add(done);
                return;
            }
        }
        done.accept(null);
    }

    @Override
    public boolean isOpen() {
        return closeCode == 0 && !clientClosed;
    }

    /**
     * The client closes the connection: from now on the transport is no longer open. Nothing is called back,
     * as with a container that does not report a close racing the opening; a test calls the node as the
     * endpoint would.
     */
    public void closeByClient() {
        clientClosed = true;
    }

    @Override
    public void ping() {
        pings++;
    }

    @Override
    public void close(int code, String reason) {
        closeCode = code;
    }

    /** Sends from now on stay in flight until {@link #release()}. */
    public synchronized void hold() {
        holding = true;
    }

    /** Completes the sends in flight and lets later ones complete at once. */
    public void release() {
        List<Consumer<Throwable>> done;
        synchronized (this) {
            holding = false;
            done = new ArrayList<>(pending);
            pending.clear();
        }
        done.forEach(d -> d.accept(null));
    }

    /** The raw text frames sent. */
    public List<String> texts() {
        return List.copyOf(texts);
    }

    /** Every frame object sent, with batched array frames taken apart. */
    public List<JsonObject> frames() {
        List<JsonObject> frames = new ArrayList<>();
        for (String text : texts) {
            JsonValue value = READERS.createReader(new StringReader(text)).readValue();
            if (value instanceof JsonArray array) {
                array.forEach(v -> frames.add(v.asJsonObject()));
            } else {
                frames.add(value.asJsonObject());
            }
        }
        return frames;
    }

    /** The frames of type {@code notice}. */
    public List<JsonObject> notices() {
        return frames().stream().filter(f -> "notice".equals(f.getString("type"))).toList();
    }

    /** The close code given, or 0 while open. */
    public int closeCode() {
        return closeCode;
    }

    public int pings() {
        return pings;
    }
}
