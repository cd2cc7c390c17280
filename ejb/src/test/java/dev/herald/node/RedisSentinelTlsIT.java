package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisSentinels;
import dev.herald.testing.TlsFiles;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Two nodes on a Redis Sentinel group reached over TLS only ({@code rediss-sentinel://}), logged in to the master as an
 * ACL user: sentinels and masters are TLS connections verified against the test authority, before and after a
 * failover.
 */
class RedisSentinelTlsIT {

    private static final TlsFiles TLS = TlsFiles.create("IP:127.0.0.1");

    private final RedisSentinels redis = RedisSentinels.startTls(TLS);
    private final RedisTestNodes nodes = new RedisTestNodes(redis.tlsUrl().replace("://", "://"
            + RedisSentinels.ACL_USER + ":" + RedisSentinels.ACL_PASSWORD + "@") + "?" + TLS.urlParameters());

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
    }

    private Node node(String name) throws InterruptedException {
        return nodes.subscribed(name);
    }

    @Test
    void noticesCrossNodesOverTlsAsTheAclUserBeforeAndAfterAFailover() throws Exception {
        try (Jedis anonymous = new Jedis("127.0.0.1", redis.master().port())) {
            JedisDataException e = assertThrows(JedisDataException.class, () -> anonymous.set("x", "y"));
            assertTrue(e.getMessage().startsWith("NOPERM"), "only the ACL user may write: " + e.getMessage());
        }
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
