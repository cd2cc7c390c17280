package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisCluster;
import dev.herald.testing.TlsFiles;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Two nodes on a Redis Cluster reached over TLS only ({@code rediss-cluster://}), logged in as an ACL user: the
 * seeds, every master the slot map names and every shard subscription are TLS connections to the nodes' TLS ports,
 * verified against the test authority, with the user's credentials (no other user may write).
 */
class RedisClusterTlsIT {

    private static final TlsFiles TLS = TlsFiles.create("IP:127.0.0.1");

    private final RedisCluster redis = RedisCluster.startTls(TLS);
    private final RedisTestNodes nodes = new RedisTestNodes(redis.tlsUrl().replace("://", "://"
            + RedisCluster.ACL_USER + ":" + RedisCluster.ACL_PASSWORD + "@") + "?" + TLS.urlParameters());

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
    }

    private Node node(String name) throws InterruptedException {
        return nodes.subscribed(name);
    }

    @Test
    void everyKindOfNoticeCrossesNodesOverTlsOnEveryShardAsTheAclUser() throws Exception {
        try (Jedis anonymous = new Jedis("127.0.0.1", redis.masters().get(0).port())) {
            JedisDataException e = assertThrows(JedisDataException.class, () -> anonymous.set("x", "y"));
            assertTrue(e.getMessage().startsWith("NOPERM"), "only the ACL user may write: " + e.getMessage());
        }
        Node a = node("a");
        Node b = node("b");
        List<String> users = redis.usersOnEveryMaster(2);
        Map<String, FakeTransport> got = new LinkedHashMap<>();
        for (String user : users) {
            FakeTransport t = new FakeTransport();
            b.connect(user, t);
            got.put(user, t);
        }
        FakeTransport room = new FakeTransport();
        b.receive(b.connect("carol", room), "{\"type\":\"subscribe\",\"channel\":\"room:tls\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> room.frames().stream()
                .anyMatch(f -> f.getString("type").equals("subscribed")));
        users.forEach(u -> a.send(new Notice(Recipient.user(u), "to." + u, null)));
        a.send(new Notice(Recipient.channel("room:tls"), "to.room", null));
        a.send(new Notice(Recipient.all(), "to.all", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> got.values().stream().allMatch(t -> t.notices().size() == 2)
                && room.notices().size() == 2);
        got.forEach((user, t) -> assertEquals(Set.of("to." + user, "to.all"),
                Set.copyOf(t.notices().stream().map(n -> n.getString("event")).toList()), user));
        assertTrue(a.presence().user(users.get(0)).online());
    }
}
