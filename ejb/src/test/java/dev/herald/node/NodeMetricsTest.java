package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);

    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(1);
    private final Node node = new Node(HeraldConfig.from(Map.of("herald.channels.open", "room:")::get),
            Engine.memory(History.Retention.DEFAULT), Thread::new, pool, Runnable::run);

    @AfterEach
    void stop() {
        node.close();
        pool.shutdownNow();
    }

    private void start() {
        node.start();
        try {
            assertTrue(node.awaitSubscribed(5, java.util.concurrent.TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Each sample of a scrape by its name and labels, as Prometheus reads it. */
    private Map<String, Double> scrape() {
        Map<String, Double> samples = new HashMap<>();
        Matcher m = SAMPLE.matcher(node.metrics().scrape());
        while (m.find()) {
            samples.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return samples;
    }

    @Test
    void countsSessionsNoticesByKindFramesQueuedAndTheLatencyOfEachWrite() {
        start();
        FakeTransport alice = new FakeTransport();
        FakeTransport alice2 = new FakeTransport();
        node.connect("alice", alice);
        node.connect("alice", alice2);
        node.send(new Notice(Recipient.user("alice"), "one", null));
        node.send(new Notice(Recipient.all(), "two", null));
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 2
                    && alice2.notices().size() == 2);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(alice.texts() + " / " + alice2.texts(), e);
        }
        Map<String, Double> s = scrape();
        assertEquals(2.0, s.get("herald_sessions"));
        assertEquals(1.0, s.get("herald_users"));
        assertEquals(1.0, s.get("herald_notices_sent_total{kind=\"user\"}"));
        assertEquals(1.0, s.get("herald_notices_sent_total{kind=\"all\"}"));
        assertEquals(0.0, s.get("herald_notices_sent_total{kind=\"channel\"}"));
        assertEquals(2.0, s.get("herald_notices_received_total"));
        assertEquals(2.0, s.get("herald_frames_queued_total{kind=\"user\"}"));
        assertEquals(2.0, s.get("herald_frames_queued_total{kind=\"all\"}"));
        double writes = s.get("herald_delivery_latency_seconds_count");
        assertTrue(writes >= 2 && writes <= 4, "one record per write that held a notice: " + writes);
        assertEquals(writes, s.get("herald_delivery_latency_seconds_bucket{le=\"+Inf\"}"));
        assertTrue(s.get("herald_subscriber_lag_seconds") >= 0);
    }

    @Test
    void countsClosesByCodeWithClientCodesOutsideTheKnownOnesAsOther() {
        start();
        FakeTransport t = new FakeTransport();
        node.disconnect(node.connect("bob", t), 1000);
        node.disconnect(node.connect("bob", new FakeTransport()), 4429);
        node.disconnect(node.connect("bob", new FakeTransport()), 3777);
        node.disconnect(node.connect("bob", new FakeTransport()), 3778);
        Map<String, Double> s = scrape();
        assertEquals(1.0, s.get("herald_session_closes_total{code=\"1000\"}"));
        assertEquals(1.0, s.get("herald_session_closes_total{code=\"4429\"}"));
        assertEquals(2.0, s.get("herald_session_closes_total{code=\"other\"}"));
        assertEquals(1.0, s.get("herald_session_overflows_total"));
        assertEquals(0.0, s.get("herald_sessions"));
    }

    @Test
    void countsResumesAnsweredRecoveredOrNotAndTheNoticesReplayed() {
        start();
        FakeTransport first = new FakeTransport();
        node.connect("carol", first);
        for (int i = 0; i < 3; i++) {
            node.send(new Notice(Recipient.user("carol"), "n" + i, null));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> first.notices().size() == 3);
        String epoch = first.notices().get(0).getString("epoch");
        node.connect("carol", new FakeTransport(), new History.Position(epoch, 1));
        node.connect("carol", new FakeTransport(), new History.Position("other-epoch", 1));
        Map<String, Double> s = scrape();
        assertEquals(1.0, s.get("herald_resumes_total{recovered=\"true\"}"));
        assertEquals(1.0, s.get("herald_resumes_total{recovered=\"false\"}"));
        assertEquals(2.0, s.get("herald_notices_replayed_total"));
    }

    @Test
    void everyMetricHasHelpAndAType() {
        String text = node.metrics().scrape();
        long families = text.lines().filter(l -> l.startsWith("# TYPE ")).count();
        assertTrue(families >= 18, text);
        assertEquals(families, text.lines().filter(l -> l.startsWith("# HELP ") && l.split(" ", 4).length == 4
                && !l.split(" ", 4)[3].isBlank()).count(), text);
    }
}
