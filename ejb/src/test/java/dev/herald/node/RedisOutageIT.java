package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.engine.History;
import jakarta.json.JsonObject;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisServer;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis killed and restarted under two running nodes. */
class RedisOutageIT {

    private static final int TIMEOUT = 500;

    private final RedisServer redis = RedisServer.start();
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Node a;
    private Node b;

    @BeforeEach
    void start() throws InterruptedException {
        Logger.getLogger(Node.class.getName()).addHandler(capture);
        a = node("a");
        b = node("b");
    }

    @AfterEach
    void stop() {
        Logger.getLogger(Node.class.getName()).removeHandler(capture);
        a.close();
        b.close();
        pool.shutdownNow();
        redis.close();
    }

    private Node node(String name) throws InterruptedException {
        // Channel notices not kept: the channel test is of the subscriptions, which a resume would not show.
        HeraldConfig config = HeraldConfig.from(Map.of("herald.node.name", name, "herald.node.heartbeat", "100",
                "herald.node.ttl", "1000", "herald.channels.open", "room:", "herald.history.channel.size", "0")::get);
        Node node = new Node(config, Engine.redis(redis.url(), "herald:", TIMEOUT, 4, 1000, config.retention()),
                Thread::new, pool, Runnable::run);
        node.start();
        assertTrue(node.awaitSubscribed(10, SECONDS));
        return node;
    }

    private static Notice hello(String event) {
        return new Notice(Recipient.user("alice"), event, JsonValue.NULL);
    }

    @Test
    void sendingFailsFastWithHeraldUnavailableWhileRedisIsDown() {
        redis.kill();
        long start = System.nanoTime();
        HeraldUnavailableException e = assertThrows(HeraldUnavailableException.class, () -> a.send(hello("x")));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5 * TIMEOUT, "failed after " + millis + " ms");
        assertTrue(e.getMessage().contains("Redis"), e.getMessage());
    }

    @Test
    void subscriptionComesBackAfterARedisRestartAndASessionThatLostItsHistoryIsToldToResume() {
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        a.send(hello("before"));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 1);
        JsonObject welcome = alice.frames().get(0);
        History.Position held = new History.Position(welcome.getString("epoch"), 1);

        redis.kill();
        // Several heartbeats and resubscribe attempts fail while Redis is down.
        await().atMost(Duration.ofSeconds(5)).until(() -> warnings.size() >= 2);
        redis.startAgain(); // empty: the registry and the streams are gone; the nodes rebuild the registry

        // Her stream's history is lost: the node closes her session so that her client resumes.
        await().atMost(Duration.ofSeconds(15)).until(() -> alice.closeCode() == SessionSender.CLOSE_RESUME);
        FakeTransport again = new FakeTransport();
        b.connect("alice", again, held);
        JsonObject resumed = again.frames().get(0);
        assertEquals(false, resumed.getBoolean("recovered"), "a lost history is never replayed as complete");
        assertNotEquals(held.epoch(), resumed.getString("epoch"));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                a.send(hello("after"));
            } catch (HeraldUnavailableException stillDown) {
                return false;
            }
            return again.notices().stream().anyMatch(n -> n.getString("event").equals("after"));
        });
        assertEquals("before", alice.notices().get(0).getString("event"));
        long subscriptionWarnings = warnings.stream()
                .filter(r -> r.getMessage().startsWith("Herald subscription failed")).count();
        assertEquals(2, subscriptionWarnings, "one warning per node per outage, not per attempt: " + messages());
    }

    @Test
    void everyChannelSubscriptionAndMembershipComesBackByItselfAfterARedisRestart() {
        FakeTransport alice = new FakeTransport();
        SessionSender s = b.connect("alice", alice);
        for (String channel : List.of("room:one", "room:two")) {
            b.receive(s, "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.frames().stream()
                .filter(f -> "subscribed".equals(f.getString("type"))).count() == 2);

        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> !b.isReceiving());
        redis.startAgain();

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                a.send(new Notice(Recipient.channel("room:one"), "one", JsonValue.NULL));
                a.send(new Notice(Recipient.channel("room:two"), "two", JsonValue.NULL));
            } catch (HeraldUnavailableException stillDown) {
                return false;
            }
            List<String> events = alice.notices().stream().map(n -> n.getString("event")).toList();
            return events.contains("one") && events.contains("two");
        });
        // Redis came back empty: the node records its sessions' memberships again, as it registers them.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                a.presence().channel("room:one").users().equals(List.of("alice"))
                        && a.presence().channel("room:two").sessions() == 1);
    }

    private List<String> messages() {
        return warnings.stream().map(LogRecord::getMessage).toList();
    }
}
