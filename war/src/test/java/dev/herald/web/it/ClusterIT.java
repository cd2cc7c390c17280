package dev.herald.web.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisServer;
import dev.herald.web.TokenVerifier;
import jakarta.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Two real Payara Micro processes running herald.war against a real Redis, all started here on free loopback
 * ports: notices cross nodes, reach only where they should, survive a Redis restart, and a node killed with
 * SIGKILL has its sessions purged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final int HEARTBEAT = 500;
    static final int TTL = 3000;
    static final String SECRET = System.getProperty("it.jwt.secret");
    static final String KEY = System.getProperty("it.api.key");

    static RedisServer redis;
    static PayaraMicroNode a;
    static PayaraMicroNode b;
    static TokenVerifier tokens = new TokenVerifier(SECRET);
    static final List<WsClient> clients = new ArrayList<>();
    static final List<String> nodeChannelMessages = new CopyOnWriteArrayList<>();
    static JedisPubSub spy;

    @BeforeAll
    static void startCluster() {
        redis = RedisServer.start();
        Map<String, String> settings = Map.of("herald.redis.url", redis.url(), "herald.jwt.secret", SECRET,
                "herald.api.key", KEY, "herald.node.heartbeat", String.valueOf(HEARTBEAT),
                "herald.node.ttl", String.valueOf(TTL), "herald.redis.timeout", "1000",
                "herald.notice.max-bytes", "300000");
        a = PayaraMicroNode.start("node-a", RedisServer.freePort(), settings);
        b = PayaraMicroNode.start("node-b", RedisServer.freePort(), settings);
        a.awaitUp();
        b.awaitUp();
        spyOnNodeChannels();
    }

    /** Records every message published on any node's channel, as "channel message". */
    static void spyOnNodeChannels() {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        spy = new JedisPubSub() {
            @Override
            public void onPSubscribe(String pattern, int count) {
                ready.complete(null);
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                nodeChannelMessages.add(channel + " " + message);
            }
        };
        Thread t = new Thread(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                jedis.psubscribe(spy, "herald:node:*");
            } catch (RuntimeException stopped) {
                // Redis killed by a later test: the spy has done its job.
            }
        }, "node-channel-spy");
        t.setDaemon(true);
        t.start();
        ready.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    @AfterAll
    static void stopCluster() {
        clients.forEach(WsClient::close);
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    static WsClient connect(PayaraMicroNode node, String user) {
        WsClient client = WsClient.connectWithAuthFrame(node.ws(), tokens.sign(user, Duration.ofMinutes(10)));
        client.awaitSessionId();
        clients.add(client);
        return client;
    }

    static void publish(PayaraMicroNode node, String json) {
        HttpResponse<String> response = Http.post(node.uri("/herald/api/notices"), KEY, json);
        assertEquals(202, response.statusCode(), response.body());
    }

    static String toUser(String user, String event) {
        return "{\"to\":{\"user\":\"" + user + "\"},\"event\":\"" + event + "\",\"data\":{\"n\":1}}";
    }

    /** Broadcasts a marker from node a and waits until every client has it: all before it has passed. */
    static void barrier(String marker, WsClient... everyone) {
        publish(a, "{\"to\":{\"all\":true},\"event\":\"" + marker + "\"}");
        for (WsClient c : everyone) {
            c.awaitEvent(marker);
        }
    }

    static long nodeChannelMessagesWith(String event, PayaraMicroNode node) {
        String nodeId = Http.get(node.uri("/herald/api/health")).body().replaceAll(".*\"node\":\"([^\"]+)\".*", "$1");
        return nodeChannelMessages.stream()
                .filter(m -> m.startsWith("herald:node:" + nodeId + " ") && m.contains("\"event\":\"" + event + "\""))
                .count();
    }

    @Test
    @Order(1)
    void userNoticeSentOnNodeAReachesEverySessionOfThatUserOnBothNodesExactlyOnceAndNoOtherUser() {
        WsClient alice1 = connect(a, "alice");
        WsClient alice2 = connect(a, "alice");
        WsClient alice3 = connect(b, "alice");
        WsClient bob = connect(b, "bob");
        WsClient carol = connect(a, "carol");

        publish(a, toUser("alice", "order.shipped"));
        barrier("marker-1", alice1, alice2, alice3, bob, carol);

        for (WsClient alice : List.of(alice1, alice2, alice3)) {
            assertEquals(List.of("order.shipped", "marker-1"), alice.events());
        }
        assertEquals(List.of("marker-1"), bob.events());
        assertEquals(List.of("marker-1"), carol.events());
    }

    @Test
    @Order(2)
    void framesOfEveryLengthClassAndAnyCharacterArriveIntactThroughTyrusRawFramesFromAGrizzlyWorkerThread() {
        WsClient erin = connect(b, "erin");
        WsClient erinToo = connect(a, "erin");
        // 7-bit, 16-bit and 64-bit payload lengths (RFC 6455 5.2), with two-, three- and four-byte UTF-8
        List<String> texts = List.of("", "é", "x".repeat(100), "€".repeat(60), "ü".repeat(40_000), "😀".repeat(20_000));
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < texts.size(); i++) {
            batch.append(i == 0 ? "" : ",").append("{\"to\":{\"user\":\"erin\"},\"event\":\"len").append(i)
                    .append("\",\"data\":{\"text\":\"").append(texts.get(i)).append("\"}}");
        }
        publish(a, batch.append("]").toString());
        for (WsClient client : List.of(erin, erinToo)) {
            client.awaitEvent("len" + (texts.size() - 1));
            List<JsonObject> notices = client.ofType("notice");
            assertEquals(texts.size(), notices.size());
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(texts.get(i), notices.get(i).getJsonObject("data").getString("text"), "len" + i);
            }
        }
        for (PayaraMicroNode node : List.of(a, b)) {
            assertTrue(node.log().contains("Sending frames through Tyrus's raw frame API"), node + " uses raw frames");
            assertTrue(node.log().contains("The Redis subscriber runs on a Grizzly worker thread"),
                    node + " writes from a Grizzly worker thread");
        }
    }

    @Test
    @Order(3)
    void userNoticeIsPublishedOnlyToTheNodesThatHoldThatUser() {
        WsClient dave = connect(b, "dave");
        publish(a, toUser("dave", "for.dave"));
        dave.awaitEvent("for.dave");
        assertEquals(1, nodeChannelMessagesWith("for.dave", b), "node b holds dave");
        assertEquals(0, nodeChannelMessagesWith("for.dave", a), "node a does not");
    }

    @Test
    @Order(4)
    void noticeToAUserWithNoSessionReachesNoOneAndRaisesNoError() {
        WsClient erin = connect(a, "erin");
        WsClient frank = connect(b, "frank");
        publish(a, toUser("nobody-here", "lost"));
        barrier("marker-3", erin, frank);
        assertEquals(List.of("marker-3"), erin.events());
        assertEquals(List.of("marker-3"), frank.events());
        assertEquals(0, nodeChannelMessages.stream().filter(m -> m.contains("\"lost\"")).count());
    }

    @Test
    @Order(5)
    void sessionNoticeCrossesToTheNodeOfThatSessionOnly() {
        WsClient target = connect(b, "grace");
        WsClient other = connect(a, "grace");
        String sessionId = target.awaitSessionId();
        publish(a, "{\"to\":{\"session\":\"" + sessionId + "\"},\"event\":\"just.you\"}");
        barrier("marker-4", target, other);
        assertEquals(List.of("just.you", "marker-4"), target.events());
        assertEquals(List.of("marker-4"), other.events());
    }

    @Test
    @Order(6)
    void afterARedisRestartTheSubscriptionComesBackAndLaterNoticesArrive() {
        WsClient heidiA = connect(a, "heidi");
        WsClient heidiB = connect(b, "heidi");

        redis.kill();
        HttpResponse<String> refused = Http.post(a.uri("/herald/api/notices"), KEY, toUser("heidi", "while.down"));
        assertEquals(503, refused.statusCode(), refused.body());
        redis.startAgain(); // empty: the nodes must re-register their sessions

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> r = Http.post(a.uri("/herald/api/notices"), KEY, toUser("heidi", "after.restart"));
            return r.statusCode() == 202 && heidiA.events().contains("after.restart")
                    && heidiB.events().contains("after.restart");
        });
        assertTrue(heidiA.events().stream().noneMatch("while.down"::equals));
    }

    @Test
    @Order(7)
    void aNodeKilledWithSigkillHasItsSessionsPurgedWithinTtlPlusHeartbeat() {
        WsClient ivanA = connect(a, "ivan");
        connect(b, "ivan");
        connect(b, "judy");
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.hlen("herald:{u:ivan}:sessions") == 2);
            assertEquals(1, jedis.hlen("herald:{u:judy}:sessions"));

            long killedAt = System.nanoTime();
            b.kill9();
            await().atMost(Duration.ofMillis(TTL + HEARTBEAT + 5000)).pollInterval(Duration.ofMillis(100))
                    .until(() -> jedis.hlen("herald:{u:judy}:sessions") == 0);
            long purgedAfter = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(purgedAfter <= TTL + HEARTBEAT + 1500, "purged after " + purgedAfter + " ms");
            assertEquals(1, jedis.hlen("herald:{u:ivan}:sessions"), "ivan's session on node a stays");
        }
        publish(a, toUser("ivan", "still.here"));
        ivanA.awaitEvent("still.here");
    }
}
