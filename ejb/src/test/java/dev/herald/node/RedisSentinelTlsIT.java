package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisSentinels;
import dev.herald.testing.TlsFiles;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Two nodes on a Redis Sentinel group reached over TLS only ({@code rediss-sentinel://}): sentinels and masters are
 * TLS connections verified against the test authority, before and after a failover.
 */
class RedisSentinelTlsIT {

    private static final TlsFiles TLS = TlsFiles.create("IP:127.0.0.1");

    private final RedisSentinels redis = RedisSentinels.startTls(TLS);
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    private final List<Node> nodes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(Node::close);
        pool.shutdownNow();
        redis.close();
    }

    private Node node(String name) throws InterruptedException {
        String url = redis.tlsUrl() + "?" + TLS.urlParameters();
        HeraldConfig config = HeraldConfig.from(Map.of("herald.redis.url", url, "herald.node.name", name,
                "herald.node.heartbeat", "200", "herald.node.ttl", "2000")::get);
        Node node = new Node(config, Engine.redis(config.redisUrl(), "herald:", 1000, 4, 2000, config.retention()),
                Thread::new, pool, Runnable::run);
        nodes.add(node);
        node.start();
        assertTrue(node.awaitSubscribed(10, SECONDS), "subscribed through the sentinels over TLS");
        return node;
    }

    @Test
    void noticesCrossNodesOverTlsBeforeAndAfterAFailover() throws Exception {
        Node a = node("a");
        Node b = node("b");
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        a.send(new Notice(Recipient.user("alice"), "before", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 1);

        int first = redis.currentMasterPort();
        try (Jedis sentinel = new Jedis(redis.sentinelPort(0))) {
            sentinel.sentinelFailover(RedisSentinels.MASTER);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.currentMasterPort() != first);
        FakeTransport carol = new FakeTransport();
        await().atMost(Duration.ofSeconds(30)).ignoreException(HeraldUnavailableException.class)
                .until(() -> b.connect("carol", carol) != null);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .ignoreException(HeraldUnavailableException.class).until(() -> {
                    if (carol.notices().isEmpty()) {
                        a.send(new Notice(Recipient.user("carol"), "after", null));
                    }
                    return !carol.notices().isEmpty();
                });
        assertEquals("after", carol.notices().get(0).getString("event"));
    }
}
