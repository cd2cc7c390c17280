package dev.herald.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Publishes notices at a fixed rate through a REST endpoint, in batches every {@value #TICK_MILLIS} ms,
 * round-robin over the given URLs, with a bounded number of requests in flight. Each notice carries
 * {@code {"b":[step,index,sendNanos]}}.
 */
final class Publisher {

    static final int TICK_MILLIS = 5;
    private static final int MAX_IN_FLIGHT = 64;
    /** At most Herald's default herald.api.max-notices per request. */
    private static final int MAX_BATCH = 1000;

    /** HTTP/1.1, as most REST senders: the JDK would otherwise upgrade to one multiplexed HTTP/2 connection. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<URI> targets;
    private final String bearer;

    Publisher(List<URI> targets, String bearer) {
        this.targets = targets;
        this.bearer = bearer;
    }

    /** What a run sent. */
    record Sent(int notices, long errors, double seconds) {
    }

    /**
     * Sends {@code rate} notices per second for {@code seconds}, at most {@code m.capacity} in all.
     *
     * @param to the JSON recipient of notice {@code i}, e.g. {@code {"user":"u7"}}
     */
    Sent run(Measure m, int rate, double seconds, IntFunction<String> to) {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicLong errors = new AtomicLong();
        int total = (int) Math.min(m.capacity, Math.round(rate * seconds));
        long start = System.nanoTime();
        long hardStop = start + (long) ((seconds + 5) * 1e9);
        int sent = 0;
        int target = 0;
        while (sent < total && System.nanoTime() < hardStop) {
            long due = Math.min(total, (long) (rate * ((System.nanoTime() - start) / 1e9)));
            if (due > sent && inFlight.tryAcquire()) {
                int n = (int) Math.min(MAX_BATCH, due - sent);
                String body = batch(m.step, sent, n, to);
                sent += n;
                http.sendAsync(request(targets.get(target++ % targets.size()), body),
                        HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            inFlight.release();
                            if (e != null || r.statusCode() / 100 != 2) {
                                errors.incrementAndGet();
                            }
                        });
            } else {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
            }
        }
        double took = (System.nanoTime() - start) / 1e9;
        try {
            inFlight.tryAcquire(MAX_IN_FLIGHT, 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Sent(sent, errors.get(), took);
    }

    private HttpRequest request(URI uri, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return b.build();
    }

    static String batch(int step, int first, int n, IntFunction<String> to) {
        long now = Measure.now();
        StringBuilder sb = new StringBuilder(n * 90).append('[');
        for (int i = first; i < first + n; i++) {
            if (i > first) {
                sb.append(',');
            }
            sb.append("{\"to\":").append(to.apply(i)).append(",\"event\":\"bench\",\"data\":{\"b\":[")
                    .append(step).append(',').append(i).append(',').append(now).append("]}}");
        }
        return sb.append(']').toString();
    }
}
