package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Nodes on a Redis whose default user is off: they log in as an ACL user given in herald.redis.url. */
class RedisAclIT {

    private final RedisServer redis = RedisServer.startWith("--user", "default", "off", "--user", "herald", "on",
            ">s3cret-acl", "~*", "&*", "+@all");
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    private final List<Node> nodes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(Node::close);
        pool.shutdownNow();
        redis.close();
    }

    private Node node(String name, String credentials) {
        String url = "redis://" + credentials + "@127.0.0.1:" + redis.port();
        HeraldConfig config = HeraldConfig.from(Map.of("herald.redis.url", url, "herald.node.name", name,
                "herald.node.heartbeat", "200", "herald.node.ttl", "2000", "herald.channels.open", "room:")::get);
        Node node = new Node(config, Engine.redis(url, "herald:", 1000, 4, 2000, History.Retention.DEFAULT),
                Thread::new, pool, Runnable::run);
        nodes.add(node);
        node.start();
        return node;
    }

    @Test
    void nodesLoggedInAsAnAclUserSendReceiveKeepAndResumeAcrossNodes() throws Exception {
        Node a = node("a", "herald:s3cret-acl");
        Node b = node("b", "herald:s3cret-acl");
        assertTrue(a.awaitSubscribed(10, SECONDS) && b.awaitSubscribed(10, SECONDS), "subscribed as the ACL user");
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        a.send(new Notice(Recipient.user("alice"), "one", null));
        a.send(new Notice(Recipient.all(), "two", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 2);
        FakeTransport back = new FakeTransport();
        a.connect("alice", back, new History.Position(alice.frames().get(0).getString("epoch"), 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> back.notices().size() == 1);
        assertEquals("one", back.notices().get(0).getString("event"), "replayed from the history");
    }

    @Test
    void aWrongPasswordFailsWithHeraldUnavailableNamingTheRefusalNotThePassword() throws Exception {
        Node wrong = node("w", "herald:not-the-password");
        HeraldUnavailableException e = assertThrows(HeraldUnavailableException.class,
                () -> wrong.send(new Notice(Recipient.user("alice"), "x", null)));
        assertTrue(e.getMessage().contains("WRONGPASS"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
        assertFalse(wrong.awaitSubscribed(1, SECONDS), "no subscription with a wrong password");
    }
}
