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
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Nodes on a Redis whose default user is off: they log in as an ACL user given in herald.redis.url. */
class RedisAclIT {

    private final RedisServer redis = RedisServer.startWith("--user", "default", "off", "--user", "herald", "on",
            ">s3cret-acl", "~*", "&*", "+@all");
    private final RedisTestNodes nodes = new RedisTestNodes(redis.url()); // each test names its credentials

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
    }

    private Node node(String name, String credentials) {
        return nodes.start(name, "redis://" + credentials + "@127.0.0.1:" + redis.port());
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
