package dev.herald.node;

import dev.herald.Recipient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * This node's metrics, in a Micrometer Prometheus registry of its own (none is shared with the container or other
 * deployments), scraped as the Prometheus text format by {@link #scrape}.
 *
 * <p>Strategy: most meters read, at scrape time, counters that the node's parts keep anyway (sessions in the hub,
 * frames queued by the router, resumes, transactions), so the hot path pays nothing for them. What is counted here
 * is counted with {@link LongAdder}s; the delivery latency is one histogram record per write to a session that
 * holds a live notice. Close codes outside the WebSocket range 1000-1015 and Herald's own 44xx are counted as
 * {@code other}, so that a client cannot make series without bound. Thread safe.
 */
public final class NodeMetrics {

    private static final java.util.Set<Integer> HERALD_CODES = java.util.Set.of(4401, 4403, 4408, 4409, 4429);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LongAdder[] sent = new LongAdder[Recipient.Kind.values().length];
    private final LongAdder engineFailures = new LongAdder();
    private final LongAdder resubscribes = new LongAdder();
    private final LongAdder overflows = new LongAdder();
    private final Map<String, Counter> closes = new ConcurrentHashMap<>();
    private final Timer latency;

    NodeMetrics(Node node) {
        Hub hub = node.hub();
        gauge("herald.sessions", "WebSocket sessions on this node", hub, Hub::size);
        gauge("herald.users", "users with a session on this node", hub, Hub::userCount);
        gauge("herald.channels", "channels with a subscriber on this node", hub, Hub::channelCount);
        NoticeRouter router = node.router();
        for (Recipient.Kind kind : Recipient.Kind.values()) {
            sent[kind.ordinal()] = new LongAdder();
            String tag = kind.name().toLowerCase(Locale.ROOT);
            counter("herald.notices.sent", "notices this node handed to the engine, by recipient kind",
                    sent[kind.ordinal()], LongAdder::sum, "kind", tag);
            counter("herald.frames.queued", "notice frames queued for this node's sessions, by recipient kind",
                    router, r -> r.delivered(kind), "kind", tag);
        }
        counter("herald.notices.received", "notices this node received through the engine", router,
                NoticeRouter::received);
        counter("herald.engine.messages.dropped", "engine messages dropped as malformed", router,
                NoticeRouter::dropped);
        latency = Timer.builder("herald.delivery.latency")
                .description("from a notice's send to the end of the write that carried it to a session")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
                        Duration.ofSeconds(5), Duration.ofSeconds(10))
                .register(registry);
        gauge("herald.subscriber.lag.seconds", "from the send of the last notice received to its routing here",
                router, r -> r.lagMillis() < 0 ? Double.NaN : r.lagMillis() / 1000.0);
        counter("herald.session.overflows", "sessions closed because their queue was full (4429)", overflows,
                LongAdder::sum);
        counter("herald.engine.errors", "engine (Redis) calls that failed and subscriptions that were lost",
                engineFailures, LongAdder::sum);
        counter("herald.engine.resubscribes", "subscriptions to the engine made again after one was lost",
                resubscribes, LongAdder::sum);
        Resumes resumes = node.resumes();
        counter("herald.resumes", "resumes from a position, by whether they were complete", resumes,
                r -> r.resumes(true), "recovered", "true");
        counter("herald.resumes", "resumes from a position, by whether they were complete", resumes,
                r -> r.resumes(false), "recovered", "false");
        counter("herald.notices.replayed", "notices replayed from the history to resuming sessions", resumes,
                Resumes::replayed);
        counter("herald.tx.held", "notices held for their transaction's commit", node,
                n -> n.transactionCounts().held());
        counter("herald.tx.dropped", "notices not sent because their transaction rolled back", node,
                n -> n.transactionCounts().dropped());
        counter("herald.tx.failures", "failed attempts to send notices after their transaction committed", node,
                n -> n.transactionCounts().failures());
        counter("herald.tx.lost", "notices of committed transactions not sent within herald.tx.retry-for", node,
                n -> n.transactionCounts().lost());
    }

    private <T> void gauge(String name, String help, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(help).strongReference(true).register(registry);
    }

    private <T> void counter(String name, String help, T source, ToDoubleFunction<T> value, String... tags) {
        FunctionCounter.builder(name, source, value).description(help).tags(tags).register(registry);
    }

    /** Counts a notice to a recipient of {@code kind} handed to the engine. */
    void countSent(Recipient.Kind kind) {
        sent[kind.ordinal()].increment();
    }

    /** Notices to recipients of {@code kind} this node handed to the engine since it started. */
    public long sent(Recipient.Kind kind) {
        return sent[kind.ordinal()].sum();
    }

    /** Counts a failed engine call or a lost subscription. */
    void engineFailed() {
        engineFailures.increment();
    }

    /** Counts a subscription made again after one was lost. */
    void resubscribed() {
        resubscribes.increment();
    }

    /** Counts a session that ended with {@code code}. */
    void closed(int code) {
        if (code == SessionSender.CLOSE_TOO_SLOW) {
            overflows.increment();
        }
        String tag = code >= 1000 && code <= 1015 || HERALD_CODES.contains(code) ? Integer.toString(code) : "other";
        closes.computeIfAbsent(tag, t -> Counter.builder("herald.session.closes")
                .description("sessions that ended, by close code").tag("code", t).register(registry)).increment();
    }

    /** Records {@code millis} from a notice's send to the end of its write to a session. */
    void delivered(long millis) {
        latency.record(millis, TimeUnit.MILLISECONDS);
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry, for an application that wants to add Herald's meters to its own (a composite registry). */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }
}
