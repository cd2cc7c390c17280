package dev.herald.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Thousands of WebSocket connections in this one process (JDK HttpClient, non-blocking), each recording the
 * notices it receives into the current {@link Measure}. A notice's data carries {@code {"b":[step,index,
 * sendNanos]}} (non-negative numbers); in frames that are JSON arrays (batches) each is found.
 */
final class LoadClient implements AutoCloseable {

    private final List<HttpClient> clients = new ArrayList<>();
    private final ExecutorService executor;
    private static final String MARK = "\"b\":[";
    private final List<Connection> connections = new ArrayList<>();
    private final AtomicInteger closedUnexpectedly = new AtomicInteger();
    private volatile Measure measure;

    LoadClient() {
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-ws");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < 2; i++) {
            clients.add(HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(10)).build());
        }
    }

    void measure(Measure m) {
        measure = m;
    }

    /**
     * Opens {@code count} connections, at most {@code parallel} handshakes at a time.
     *
     * @param uri the URI of connection {@code i}
     * @return connections opened per second
     */
    double open(int count, IntFunction<URI> uri, int parallel) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i += parallel) {
            List<CompletableFuture<WebSocket>> wave = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + parallel); j++) {
                Connection c = new Connection();
                connections.add(c);
                wave.add(clients.get(j % clients.size()).newWebSocketBuilder()
                        .connectTimeout(Duration.ofSeconds(20)).buildAsync(uri.apply(j), c)
                        .thenApply(ws -> c.socket = ws));
            }
            CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    int size() {
        return connections.size();
    }

    int closedUnexpectedly() {
        return closedUnexpectedly.get();
    }

    @Override
    public void close() {
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (Connection c : connections) {
            if (c.socket != null && !c.socket.isOutputClosed()) {
                c.closing = true;
                closing.add(c.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(e -> null));
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Closed or not, every socket is aborted below.
        }
        // sendClose only half-closes: abort frees each file descriptor now rather than at the next GC.
        connections.forEach(c -> {
            if (c.socket != null) {
                c.socket.abort();
            }
        });
        connections.clear();
        clients.clear(); // an unreferenced HttpClient stops its selector thread (JDK 17 has no close)
        executor.shutdownNow();
    }

    private final class Connection implements WebSocket.Listener {
        volatile WebSocket socket;
        volatile boolean closing;
        private final StringBuilder partial = new StringBuilder();
        private final BitSet seen = new BitSet();
        private int seenStep = -1;

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (last && partial.length() == 0) {
                record(data.toString());
            } else {
                partial.append(data);
                if (last) {
                    record(partial.toString());
                    partial.setLength(0);
                }
            }
            webSocket.request(1);
            return null;
        }

        private void record(String text) {
            Measure m = measure;
            if (m == null || text.indexOf(MARK) < 0) {
                return;
            }
            if (seenStep != m.step) {
                seen.clear();
                seenStep = m.step;
            }
            // The generator shares the machine's two cores with the servers: a scan for "b":[ and three numbers
            // costs a fraction of a JSON parser, and the frames are Herald's or thin's own well-formed JSON.
            for (int at = text.indexOf(MARK); at >= 0; at = text.indexOf(MARK, at + MARK.length())) {
                long[] v = new long[3];
                int i = at + MARK.length();
                for (int k = 0; k < 3; k++) {
                    long n = 0;
                    char c;
                    while ((c = text.charAt(i++)) >= '0' && c <= '9') {
                        n = n * 10 + (c - '0');
                    }
                    v[k] = n;
                }
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

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (!closing) {
                closedUnexpectedly.incrementAndGet();
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!closing) {
                closedUnexpectedly.incrementAndGet();
            }
        }
    }
}
