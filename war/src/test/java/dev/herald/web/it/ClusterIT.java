package dev.herald.web.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisServer;
import dev.herald.web.TokenVerifier;
import jakarta.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Two real server processes (Payara Micro or WildFly, by Maven profile) running herald.war against a real Redis,
 * all started here on free loopback ports: notices cross nodes and reach only where they should; a foreign
 * message on Redis, however built, reaches no client and closes no session; a burst a reading client takes in
 * time closes nothing; a client that closes while it registers ends unregistered; the subscription survives a
 * Redis restart; presence is right on both nodes and joins and leaves reach both; a node killed with SIGKILL
 * has its sessions and channel memberships purged, its users' leaves announced; and a client resumes on any node
 * with every notice it was sent, none twice: after a reconnect, a Redis restart with its data, its node's
 * SIGKILL, or its close as too slow (and is told plainly when Redis restarted empty).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final int HEARTBEAT = 500;
    static final int TTL = 3000;
    static final int GRACE = 1000;
    static final String SECRET = System.getProperty("it.jwt.secret");
    static final String KEY = System.getProperty("it.api.key");

    static RedisServer redis;
    static ServerNode a;
    static ServerNode b;
    static TokenVerifier tokens = new TokenVerifier(SECRET);
    static final List<WsClient> clients = new ArrayList<>();
    static final List<String> nodeChannelMessages = new CopyOnWriteArrayList<>();
    static JedisPubSub spy;
    static Map<String, String> settings;
    /** A third node, started by the test that kills it. */
    static ServerNode c;

    @BeforeAll
    static void startCluster() {
        redis = RedisServer.start();
        settings = Map.ofEntries(Map.entry("herald.redis.url", redis.url()),
                Map.entry("herald.jwt.secret", SECRET), Map.entry("herald.api.key", KEY),
                Map.entry("herald.node.heartbeat", String.valueOf(HEARTBEAT)),
                Map.entry("herald.node.ttl", String.valueOf(TTL)), Map.entry("herald.redis.timeout", "1000"),
                Map.entry("herald.notice.max-bytes", "100000"), Map.entry("herald.ws.auth-timeout", "3000"),
                Map.entry("herald.channels.open", "room:"), Map.entry("herald.channels.join-leave", "room:jl-"),
                Map.entry("herald.channels.leave-grace", String.valueOf(GRACE)),
                // Replays up to 5,000, past the user streams' retention of 1,000: a resume from before it is refused
                // for the retention, not for its length.
                Map.entry("herald.history.replay-max", "5000"));
        a = ServerNode.start("node-a", settings);
        b = ServerNode.start("node-b", settings);
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
        if (c != null) {
            c.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    static WsClient connect(ServerNode node, String user) {
        WsClient client = WsClient.connectWithAuthFrame(node.ws(), tokens.sign(user, Duration.ofMinutes(10)));
        client.awaitSessionId();
        clients.add(client);
        return client;
    }

    static void publish(ServerNode node, String json) {
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

    static long nodeChannelMessagesWith(String event, ServerNode node) {
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
    void framesOfEveryLengthClassAndAnyCharacterArriveIntactAndOnPayaraGoThroughTyrusRawFramesFromAGrizzlyWorkerThread() {
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
        for (ServerNode node : ServerNode.payara() ? List.of(a, b) : List.<ServerNode>of()) {
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

    static String nodeId(ServerNode node) {
        return Http.get(node.uri("/herald/api/health")).body().replaceAll(".*\"node\":\"([^\"]+)\".*", "$1");
    }

    static long dropped(ServerNode node) {
        return Long.parseLong(Http.get(node.uri("/herald/api/health")).body().replaceAll(".*\"dropped\":(\\d+).*", "$1"));
    }

    static int sessions(ServerNode node) {
        return Integer.parseInt(Http.get(node.uri("/herald/api/health")).body().replaceAll(".*\"sessions\":(\\d+).*", "$1"));
    }

    static final String ALL = "{\"v\":2,\"to\":{\"all\":true}}\n";

    /** A version 2 notice frame as Herald writes it, with {@code data} as given. */
    static String frame(String id, String event, String data) {
        return "{\"type\":\"notice\",\"id\":\"" + id + "\",\"event\":\"" + event + "\",\"data\":" + data + ",\"ts\":1}";
    }

    @Test
    @Order(10)
    void foreignMessagesOnRedisReachNoClientCloseNoSessionAndAreDroppedCountedAndLoggedInOneLine() {
        WsClient olgaA = connect(a, "olga");
        WsClient olgaB = connect(b, "olga");
        String deep = "[".repeat(1000) + "]".repeat(1000);
        List<String> bad = List.of(
                // too large: 2 MB for everyone, and one notice over herald.notice.max-bytes (100,000 here)
                "{\"v\":1,\"id\":\"big\",\"to\":{\"all\":true},\"event\":\"e\",\"data\":\"" + "x".repeat(2_000_000) + "\"}",
                ALL + frame("over", "e", "\"" + "y".repeat(200_000) + "\""),
                // not a well-formed notice frame
                ALL + "{}", ALL + "{not json}", ALL + frame("ctl", "e", "\"a\u0001b\""),
                ALL + "{\"type\":\"welcome\",\"session\":\"forged.1\",\"user\":\"mallory\"}",
                ALL + "{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"forged\"}",
                ALL + frame("ev", "not an event", "1"),
                ALL + frame("dup", "e", "1").replace("}", ",\"type\":\"welcome\"}"),
                ALL + frame("deep", "e", deep), ALL + frame("num", "e", "1".repeat(5000)),
                "{\"v\":1,\"id\":\"v1deep\",\"to\":{\"all\":true},\"event\":\"e\",\"data\":" + deep + "}",
                "{\"v\":1e999999999,\"id\":\"exp\",\"to\":{\"all\":true},\"event\":\"e\"}");
        long droppedA = dropped(a);
        long droppedB = dropped(b);
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            for (String message : bad) {
                jedis.publish("herald:broadcast", message);
                jedis.publish("herald:node:" + nodeId(a), message); // on a node's own channel too
            }
        }
        barrier("after-foreign", olgaA, olgaB);
        for (WsClient olga : List.of(olgaA, olgaB)) {
            assertEquals(List.of("after-foreign"), olga.events());
            assertEquals(List.of("welcome", "notice"), olga.frames().stream().map(f -> f.getString("type")).toList(),
                    "no forged frame of any type");
            assertTrue(!olga.isClosed());
        }
        assertEquals(droppedA + 2L * bad.size(), dropped(a), "node a got each on two channels");
        assertEquals(droppedB + bad.size(), dropped(b));
        for (ServerNode node : List.of(a, b)) {
            String log = node.log();
            assertTrue(log.contains("Dropped engine message"), node + " logged the drop");
            assertTrue(!log.contains("at dev.herald.engine.") && !log.contains("at dev.herald.node.NoticeRouter"),
                    node + " logged no stack trace");
        }
    }

    @Test
    @Order(11)
    void oneNodeMessageOfThreeThousandNoticesAndARestBatchOfAThousandReachEveryReadingSessionWhole() {
        WsClient paul1 = connect(a, "paul");
        WsClient paul2 = connect(a, "paul");
        StringBuilder message = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            message.append(i == 0 ? "" : "\n").append("{\"v\":2,\"to\":{\"user\":\"paul\"}}\n")
                    .append(frame("burst-" + i, "burst." + i, "{\"i\":" + i + "}"));
        }
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            jedis.publish("herald:node:" + nodeId(a), message.toString());
        }
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            batch.append(i == 0 ? "" : ",").append(toUser("paul", "rest." + i));
        }
        publish(b, batch.append("]").toString()); // herald.api.max-notices, from the other node
        for (WsClient paul : List.of(paul1, paul2)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> paul.events().size() == 4000 || paul.isClosed());
            assertTrue(!paul.isClosed(), "a reading client is not closed by a burst: " + paul.closeReason());
            assertEquals("burst.2999", paul.events().get(2999));
            assertEquals("rest.999", paul.events().get(3999));
        }
    }

    @Test
    @Order(12)
    void aClientThatClosesWhileItsSessionRegistersEndsUnregisteredOnEveryAuthPath() throws Exception {
        List<String> paths = List.of("url-token, gone before the upgrade answer", "url-token, closed after it",
                "auth frame, closed after it");
        for (ServerNode node : List.of(a, b)) {
            for (String path : paths) {
                String user = "quinn-" + node + "-" + paths.indexOf(path);
                int before = sessions(node);
                String token = tokens.sign(user, Duration.ofMinutes(5));
                java.net.URI withToken = java.net.URI.create(node.ws() + "?token=" + token);
                try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                    // Registration waits on Redis writes for 700 ms (under herald.redis.timeout, 1000 ms here),
                    // and the client closes in that window.
                    if (path.startsWith("auth frame")) {
                        try (RawWs ws = RawWs.connect(node.ws())) {
                            jedis.clientPause(700, ClientPauseMode.WRITE);
                            ws.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                            ws.send(8, new byte[] {0x03, (byte) 0xE8}); // close, 1000
                        }
                    } else if (path.contains("before")) {
                        jedis.clientPause(700, ClientPauseMode.WRITE);
                        RawWs.upgradeAndHangUp(withToken, Duration.ofMillis(100));
                    } else {
                        jedis.clientPause(700, ClientPauseMode.WRITE);
                        try (RawWs ws = RawWs.connect(withToken)) {
                            ws.send(8, new byte[] {0x03, (byte) 0xE8});
                        }
                    }
                    String key = "herald:{u:" + user + "}:sessions";
                    // at once where the container reports the close; else when the ping after the welcome goes
                    // unanswered for herald.ws.auth-timeout (3 s here)
                    await(path + " on " + node + " ends unregistered").atMost(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> jedis.hlen(key) == 0 && sessions(node) == before);
                }
            }
        }
    }

    @Test
    @Order(13)
    void aConnectionThatAnswersNothingAfterItsWelcomeIsClosedAndUnregisteredWithinTheAuthTimeout() {
        // What catches a connection that ended while it registered when the container never says so (Tyrus, for
        // one that ends before the upgrade answer): the ping after the welcome goes unanswered. RawWs answers
        // no ping, as such a connection would not.
        for (ServerNode node : List.of(a, b)) {
            String user = "rita-" + node;
            try (RawWs silent = RawWs.connect(java.net.URI.create(node.ws() + "?token="
                    + tokens.sign(user, Duration.ofMinutes(5))));
                    Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> silent.texts().contains("welcome"));
                long opened = System.nanoTime();
                assertEquals(4408, silent.awaitClose(Duration.ofSeconds(10)), silent.closeReason());
                long after = (System.nanoTime() - opened) / 1_000_000;
                assertTrue(after >= 2000, "closed after herald.ws.auth-timeout (3 s here), not at once: " + after);
                assertTrue(silent.closeReason().contains("first ping"), silent.closeReason());
                await().atMost(Duration.ofSeconds(5)).until(() -> jedis.hlen("herald:{u:" + user + "}:sessions") == 0);
            }
        }
    }

    static long received(ServerNode node) {
        return Long.parseLong(Http.get(node.uri("/herald/api/health")).body().replaceAll(".*\"received\":(\\d+).*", "$1"));
    }

    /** Subscribes the client to {@code channel} and waits for its {@code subscribed}. */
    static void subscribe(WsClient client, String channel) {
        client.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ofType("subscribed").stream()
                .anyMatch(f -> channel.equals(f.getString("channel"))));
    }

    @Test
    @Order(14)
    void aChannelNoticeReachesEverySubscribedSessionOnBothNodesOnceAndOnlyTheNodesWithSubscribers() {
        WsClient alice = connect(a, "sam");
        WsClient bob = connect(b, "tess");
        WsClient carol = connect(b, "uma");
        subscribe(alice, "room:lobby");
        subscribe(bob, "room:lobby");
        subscribe(bob, "room:b-only");
        publish(b, "{\"to\":{\"channel\":\"room:lobby\"},\"event\":\"lobby.news\",\"data\":1}");
        alice.send("{\"type\":\"publish\",\"channel\":\"room:lobby\",\"event\":\"chat.message\",\"data\":\"hi\"}");
        bob.awaitEvent("chat.message");
        alice.awaitEvent("chat.message");
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) { // the documented format, from another service
            jedis.publish("herald:{c:room:lobby}", "{\"v\":1,\"id\":\"ext-1\",\"to\":{\"channel\":\"room:lobby\"},"
                    + "\"event\":\"from.redis\",\"data\":2}");
        }
        bob.awaitEvent("from.redis");
        alice.awaitEvent("from.redis");
        long receivedOnA = received(a);
        publish(a, "{\"to\":{\"channel\":\"room:b-only\"},\"event\":\"b.only\"}");
        bob.awaitEvent("b.only");
        barrier("after-channels", alice, bob, carol);
        assertEquals(List.of("lobby.news", "chat.message", "from.redis", "after-channels"), alice.events());
        assertEquals(List.of("lobby.news", "chat.message", "from.redis", "b.only", "after-channels"), bob.events());
        assertEquals(List.of("after-channels"), carol.events(), "not subscribed: nothing of the channels");
        JsonObject chat = bob.ofType("notice").get(1);
        assertEquals("sam", chat.getString("from"));
        assertEquals("room:lobby", chat.getString("channel"));
        assertEquals(chat.getString("id"), alice.ofType("published").get(0).getString("id"));
        assertEquals(receivedOnA + 1, received(a), "node a got only the marker, not the channel it has no subscriber of");
    }

    @Test
    @Order(15)
    void refusalsOfChannelFramesLeaveTheConnectionOpenAndNothingArrivesAfterUnsubscribed() {
        WsClient vic = connect(a, "vic");
        WsClient wendy = connect(b, "wendy");
        vic.send("{\"type\":\"subscribe\",\"channel\":\"bad name\"}");
        vic.send("{\"type\":\"subscribe\",\"channel\":\"secret:x\"}");
        vic.send("{\"type\":\"publish\",\"channel\":\"secret:x\",\"event\":\"e\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> vic.ofType("error").size() == 3);
        assertEquals(List.of("bad_channel", "forbidden", "forbidden"),
                vic.ofType("error").stream().map(e -> e.getString("code")).toList());
        subscribe(vic, "room:brief");
        subscribe(wendy, "room:brief");
        vic.send("{\"type\":\"unsubscribe\",\"channel\":\"room:brief\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !vic.ofType("unsubscribed").isEmpty());
        publish(b, "{\"to\":{\"channel\":\"room:brief\"},\"event\":\"too.late\"}");
        wendy.awaitEvent("too.late");
        barrier("after-brief", vic, wendy);
        assertEquals(List.of("after-brief"), vic.events());
        assertTrue(!vic.isClosed());
    }

    @Test
    @Order(16)
    void aServerSideSubscriptionThroughRestReachesTheUsersSessionsOnBothNodes() {
        WsClient onA = connect(a, "xena");
        WsClient onB = connect(b, "xena");
        String body = "{\"user\":\"xena\",\"channel\":\"team:ops\",\"subscribed\":true}";
        HttpResponse<String> subscribed = Http.post(a.uri("/herald/api/subscriptions"), KEY, body);
        assertEquals(202, subscribed.statusCode(), subscribed.body());
        for (WsClient c : List.of(onA, onB)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> c.ofType("subscribed").stream()
                    .anyMatch(f -> "team:ops".equals(f.getString("channel"))));
        }
        publish(b, "{\"to\":{\"channel\":\"team:ops\"},\"event\":\"ops.alert\"}");
        onA.awaitEvent("ops.alert");
        onB.awaitEvent("ops.alert");
        assertEquals(202, Http.post(b.uri("/herald/api/subscriptions"), KEY, body.replace("true", "false")).statusCode());
        for (WsClient c : List.of(onA, onB)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !c.ofType("unsubscribed").isEmpty());
        }
        HttpResponse<String> bad = Http.post(a.uri("/herald/api/subscriptions"), KEY, body.replace("team:ops", "a b"));
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(401, Http.post(a.uri("/herald/api/subscriptions"), "wrong-key-wrong-key", body).statusCode());
    }

    /** {@code GET /herald/api/presence?...} on {@code node}, with the key; the JSON answer. */
    static JsonObject presence(ServerNode node, String query) {
        HttpResponse<String> r = Http.send(node.uri("/herald/api/presence?" + query), "GET", KEY, null, null);
        assertEquals(200, r.statusCode(), r.body());
        return jakarta.json.Json.createReader(new java.io.StringReader(r.body())).readObject();
    }

    static List<String> users(JsonObject channelPresence) {
        return channelPresence.getJsonArray("users").getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList();
    }

    static long announced(WsClient client, String type, String channel, String user) {
        return client.ofType(type).stream().filter(f -> channel.equals(f.getString("channel"))
                && user.equals(f.getString("user"))).count();
    }

    @Test
    @Order(17)
    void presenceReadOnEitherNodeIsRightOnceTheClientReadItsFrameAndWithinASecondOfAClose() {
        WsClient kim = connect(a, "kim");
        WsClient kimToo = connect(b, "kim");
        WsClient lee = connect(b, "lee");
        JsonObject user = presence(b, "user=kim");
        assertTrue(user.getBoolean("online"));
        assertEquals(2, user.getJsonArray("sessions").size());
        assertEquals(jakarta.json.Json.createObjectBuilder().add("user", "nobody").add("online", false)
                .add("sessions", jakarta.json.Json.createArrayBuilder()).build(), presence(a, "user=nobody"));

        subscribe(kim, "room:who/1");
        JsonObject one = presence(b, "channel=" + java.net.URLEncoder.encode("room:who/1", StandardCharsets.UTF_8));
        assertEquals(List.of("kim"), users(one));
        assertEquals(1, one.getInt("sessions"));
        subscribe(kimToo, "room:who/1");
        subscribe(lee, "room:who/1");
        JsonObject three = presence(a, "channel=room%3Awho%2F1");
        assertEquals(List.of("kim", "lee"), users(three));
        assertEquals(2, three.getInt("userCount"));
        assertEquals(3, three.getInt("sessions"));

        lee.send("{\"type\":\"presence\",\"channel\":\"room:who/1\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !lee.ofType("presence").isEmpty());
        assertEquals(3, lee.ofType("presence").get(0).getInt("sessions"));

        kim.close();
        long closedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> presence(b, "channel=room%3Awho%2F1").getInt("sessions") == 2);
        long after = (System.nanoTime() - closedAt) / 1_000_000;
        assertTrue(after <= 1000, "presence right " + after + " ms after the close");
        assertEquals(1, presence(b, "user=kim").getJsonArray("sessions").size());

        assertEquals(401, Http.send(a.uri("/herald/api/presence?user=kim"), "GET", null, null, null).statusCode());
        assertEquals(401, Http.send(a.uri("/herald/api/presence?user=kim"), "GET", "wrong-key-wrong-key", null, null)
                .statusCode());
        assertEquals(400, Http.send(a.uri("/herald/api/presence?channel=a%20b"), "GET", KEY, null, null).statusCode());
    }

    @Test
    @Order(18)
    void joinAndLeaveReachTheSubscribersOfBothNodesAndAReloadWithinTheGraceShowsNeither() {
        WsClient mia = connect(a, "mia");
        WsClient ned = connect(b, "ned");
        subscribe(mia, "room:jl-x");
        subscribe(ned, "room:jl-x");
        await().atMost(Duration.ofSeconds(10)).until(() -> announced(mia, "join", "room:jl-x", "ned") == 1);
        ned.close();
        WsClient nedAgain = connect(a, "ned"); // a page reload that lands on the other node
        subscribe(nedAgain, "room:jl-x");
        WsClient olga = connect(b, "olga");
        subscribe(olga, "room:jl-x");
        await().atMost(Duration.ofSeconds(10)).until(() -> announced(mia, "join", "room:jl-x", "olga") == 1);
        olga.close();
        long closedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> announced(mia, "leave", "room:jl-x", "olga") == 1);
        assertTrue((System.nanoTime() - closedAt) / 1_000_000 >= GRACE - 100, "the leave waited for the grace");
        assertEquals(1, announced(nedAgain, "leave", "room:jl-x", "olga"), "across nodes too");
        assertEquals(0, announced(mia, "leave", "room:jl-x", "ned"), "the reload showed no leave");
        assertEquals(1, announced(mia, "join", "room:jl-x", "ned"), "nor a second join");
    }

    static String token(String user) {
        return tokens.sign(user, Duration.ofMinutes(10));
    }

    static String toChannel(String channel, String event) {
        return "{\"to\":{\"channel\":\"" + channel + "\"},\"event\":\"" + event + "\",\"data\":{\"n\":1}}";
    }

    /** Notices to one user and one channel, sent in turn through the REST API until stopped; records the accepted. */
    static final class Sender implements AutoCloseable {
        final List<String> toUser = new CopyOnWriteArrayList<>();
        final List<String> toChannel = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        private volatile boolean running = true;
        private final Thread thread;

        Sender(ServerNode node, String user, String channel, String prefix) {
            thread = new Thread(() -> {
                for (int i = 0; running && i < 20_000; i++) {
                    boolean user_ = i % 2 == 0;
                    String event = prefix + (user_ ? "u" : "c") + i;
                    try {
                        HttpResponse<String> r = Http.post(node.uri("/herald/api/notices"), KEY,
                                user_ ? toUser(user, event) : toChannel(channel, event));
                        if (r.statusCode() == 202) {
                            (user_ ? toUser : toChannel).add(event);
                        } else {
                            refused.incrementAndGet();
                        }
                    } catch (RuntimeException unreachable) {
                        refused.incrementAndGet();
                    }
                }
            }, "sender-" + prefix);
            thread.start();
        }

        int accepted() {
            return toUser.size() + toChannel.size();
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reconnects {@code client} to {@code node} whenever its connection is closed, until it has handed on every
     * notice {@code sender} was told was accepted; then checks it handed each on once, in the order sent (it may
     * have more: a notice whose acceptance the sender did not hear of, in its place).
     */
    static void awaitEveryAcceptedNoticeOnce(ResumingClient client, ServerNode node, Sender sender, String channel) {
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                if (client.current().isClosed()) {
                    client.connect(node);
                }
                ResumingClient.State state = client.state();
                return state.events("user").containsAll(sender.toUser)
                        && state.events(channel).containsAll(sender.toChannel);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            ResumingClient.State state = client.state();
            List<String> missing = new ArrayList<>(sender.toUser);
            missing.removeAll(state.events("user"));
            List<String> missingOfChannel = new ArrayList<>(sender.toChannel);
            missingOfChannel.removeAll(state.events(channel));
            throw new AssertionError("missing " + missing + " and of the channel " + missingOfChannel + "; answers "
                    + state.answers() + "; closed " + client.current().isClosed(), e);
        }
        ResumingClient.State state = client.state();
        for (String stream : List.of("user", channel)) {
            List<String> got = state.events(stream);
            assertEquals(got.size(), new java.util.HashSet<>(got).size(), stream + ": none twice");
            List<String> accepted = stream.equals("user") ? sender.toUser : sender.toChannel;
            assertEquals(accepted, got.stream().filter(accepted::contains).toList(), stream + ": in the order sent");
        }
    }

    @Test
    @Order(19)
    void aClientThatReconnectsToTheOtherNodeWithItsPositionsGetsAllItMissedOfItsUserAndChannelInOrderOnce() {
        try (ResumingClient leo = new ResumingClient(token("leo"), "room:resume")) {
            leo.connect(a);
            publish(a, toUser("leo", "before"));
            publish(a, toChannel("room:resume", "before"));
            await().atMost(Duration.ofSeconds(10)).until(() -> leo.state().events("user").size() == 1
                    && leo.state().events("room:resume").size() == 1);
            leo.current().close();
            leo.current().awaitClose();
            for (String kind : List.of("user", "channel")) {
                StringBuilder batch = new StringBuilder("[");
                for (int i = 0; i < 1000; i++) {
                    batch.append(i == 0 ? "" : ",").append(kind.equals("user") ? toUser("leo", "u" + i)
                            : toChannel("room:resume", "c" + i));
                }
                publish(b, batch.append("]").toString());
            }
            long started = System.nanoTime();
            leo.connect(b);
            await().atMost(Duration.ofSeconds(30)).until(() -> leo.state().events("user").size() == 1001
                    && leo.state().events("room:resume").size() == 1001);
            System.out.println("Resumed 2 x 1000 notices in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            ResumingClient.State state = leo.state();
            List<String> users = new ArrayList<>(List.of("before"));
            List<String> channel = new ArrayList<>(List.of("before"));
            for (int i = 0; i < 1000; i++) {
                users.add("u" + i);
                channel.add("c" + i);
            }
            assertEquals(users, state.events("user"));
            assertEquals(channel, state.events("room:resume"));
            assertTrue(state.answers("welcome").get(1).getBoolean("recovered"));
            assertTrue(state.answers("subscribed").get(1).getBoolean("recovered"));
            List<JsonObject> all = leo.current().ofType("notice");
            assertEquals(2000, all.size(), "the new connection got the 2000 it missed, nothing it had");
        }
    }

    @Test
    @Order(19)
    void whatASessionlessUserWasSentWaitsInTheirInboxAndAnAckOnOneNodeHoldsForTheirDeviceOnTheOther() {
        for (int i = 0; i < 5; i++) {
            publish(b, toUser("nina", "while.away." + i));
        }
        WsClient phone = WsClient.connect(a.ws());
        clients.add(phone);
        phone.send("{\"type\":\"auth\",\"token\":\"" + token("nina") + "\",\"inbox\":true}");
        phone.awaitSessionId();
        JsonObject welcome = phone.ofType("welcome").get(0);
        assertEquals(5, welcome.getInt("unread"));
        await().atMost(Duration.ofSeconds(10)).until(() -> phone.events().size() == 5);
        int third = phone.ofType("notice").get(2).getInt("offset");
        phone.send("{\"type\":\"ack\",\"offset\":" + third + ",\"ref\":\"a1\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> phone.ofType("acked").stream()
                .anyMatch(f -> f.getInt("offset") == third && "a1".equals(f.getString("ref"))));
        HttpResponse<String> state = Http.get(b.uri("/herald/api/inbox?user=nina"), KEY);
        assertEquals(200, state.statusCode(), state.body());
        assertTrue(state.body().contains("\"unread\":2"), state.body());
        WsClient laptop = WsClient.connect(java.net.URI.create(b.ws() + "?token=" + token("nina") + "&inbox=true"));
        clients.add(laptop);
        laptop.awaitSessionId();
        await().atMost(Duration.ofSeconds(10)).until(() -> laptop.events().size() == 2);
        assertEquals(List.of("while.away.3", "while.away.4"), laptop.events(), "only what is unread");
        assertEquals(2, laptop.ofType("welcome").get(0).getInt("unread"));
        HttpResponse<String> marked = Http.post(a.uri("/herald/api/inbox"), KEY,
                "{\"user\":\"nina\",\"read\":" + welcome.getInt("offset") + "}");
        assertEquals(200, marked.statusCode(), marked.body());
        assertTrue(marked.body().contains("\"unread\":0"), marked.body());
        HttpResponse<String> past = Http.post(a.uri("/herald/api/inbox"), KEY, "{\"user\":\"nina\",\"read\":99}");
        assertEquals(400, past.statusCode(), past.body());
        phone.send("{\"type\":\"ack\",\"offset\":99}");
        await().atMost(Duration.ofSeconds(10)).until(() -> phone.ofType("error").stream()
                .anyMatch(f -> "bad_offset".equals(f.getString("code"))));
    }

    @Test
    @Order(20)
    void aRedisRestartedWithItsDataLosesNoAcceptedNoticeAndOneRestartedEmptyRecoversNothing() {
        try (ResumingClient heidi = new ResumingClient(token("heidi"), "room:restart")) {
            heidi.connect(b);
            redis.keepDataAcrossRestarts();
            Sender sender = new Sender(a, "heidi", "room:restart", "aof-");
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= 20);
                redis.kill();
                // Readiness says so within 15 s (here the connection drops, so at once); liveness stays up.
                for (ServerNode node : List.of(a, b)) {
                    await().atMost(Duration.ofSeconds(15)).until(() ->
                            Http.get(node.uri("/herald/api/health/ready")).statusCode() == 503);
                    HttpResponse<String> live = Http.get(node.uri("/herald/api/health/live"));
                    assertEquals(200, live.statusCode(), live.body());
                    assertTrue(live.body().startsWith("{\"status\":\"UP\",\"checks\":[{\"name\":\"herald-node\""),
                            live.body());
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.refused.get() >= 2);
                redis.startAgain(); // with its data
                for (ServerNode node : List.of(a, b)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        HttpResponse<String> ready = Http.get(node.uri("/herald/api/health/ready"));
                        return ready.statusCode() == 200 && ready.body().startsWith("{\"status\":\"UP\"");
                    });
                }
                int before = sender.accepted();
                await().atMost(Duration.ofSeconds(30)).until(() -> sender.accepted() >= before + 20);
            } finally {
                sender.close();
            }
            // Whether her session stayed or was closed to resume (4409), she ends with every accepted notice.
            awaitEveryAcceptedNoticeOnce(heidi, a, sender, "room:restart");

            String epoch = heidi.state().answers("welcome").get(0).getString("epoch");
            redis.kill();
            redis.startAgainEmpty();
            // Her streams' history is gone: the node closes her session, and a resume recovers nothing.
            assertEquals(4409, heidi.current().awaitClose(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        heidi.connect(a);
                        return true;
                    });
            JsonObject welcome = heidi.current().ofType("welcome").get(0);
            assertEquals(false, welcome.getBoolean("recovered"), "never a partial replay shown as complete");
            assertTrue(!epoch.equals(welcome.getString("epoch")), "a new epoch");
            assertEquals(false, heidi.current().ofType("subscribed").get(0).getBoolean("recovered"));
            publish(a, toUser("heidi", "after.empty"));
            heidi.current().awaitEvent("after.empty");
        }
    }

    @Test
    @Order(21)
    void aNodeKilledWithSigkillHasItsSessionsAndMembershipsPurgedWithinTtlPlusHeartbeat() {
        WsClient ivanA = connect(a, "ivan");
        connect(b, "ivan");
        WsClient judy = connect(b, "judy");
        subscribe(ivanA, "room:jl-kill");
        subscribe(judy, "room:jl-kill");
        assertEquals(List.of("ivan", "judy"), users(presence(a, "channel=room%3Ajl-kill")));
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
            await().atMost(Duration.ofMillis(TTL + HEARTBEAT + 5000)).pollInterval(Duration.ofMillis(100))
                    .until(() -> users(presence(a, "channel=room%3Ajl-kill")).equals(List.of("ivan")));
            long goneAfter = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(goneAfter <= TTL + HEARTBEAT + 1500, "out of the channel after " + goneAfter + " ms");
            await().atMost(Duration.ofSeconds(5)).until(() -> announced(ivanA, "leave", "room:jl-kill", "judy") == 1);
        }
        publish(a, toUser("ivan", "still.here"));
        ivanA.awaitEvent("still.here");
    }

    @Test
    @Order(22)
    void aClientWhoseNodeIsKilledWithSigkillResumesOnTheOtherWithEveryAcceptedNoticeAndNoneTwice() {
        c = ServerNode.start("node-c", settings);
        c.awaitUp();
        try (ResumingClient kim = new ResumingClient(token("kim"), "room:kill9").connect(c);
                Sender sender = new Sender(a, "kim", "room:kill9", "k9-")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= 30);
            c.kill9();
            int before = sender.accepted();
            await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= before + 30);
            kim.connect(a);
            await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= before + 60);
            sender.close();
            awaitEveryAcceptedNoticeOnce(kim, a, sender, "room:kill9");
            assertTrue(kim.state().answers("welcome").get(1).getBoolean("recovered"));
        }
    }

    @Test
    @Order(23)
    void aSlowConsumerClosedWith4429ResumesThroughTheSinceQueryParameterWithoutLoss() {
        String lily = token("lily");
        WsClient slow = WsClient.connectThenStopReading(java.net.URI.create(a.ws() + "?token=" + lily));
        clients.add(slow);
        JsonObject welcome = slow.ofType("welcome").get(0);
        String padding = "z".repeat(30_000);
        List<String> sent = new ArrayList<>();
        for (int round = 0; round < 30 && sessionOf(a, "lily"); round++) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 30; i++) {
                String event = "slow" + (round * 30 + i);
                batch.append(i == 0 ? "" : ",").append("{\"to\":{\"user\":\"lily\"},\"event\":\"").append(event)
                        .append("\",\"data\":\"").append(padding).append("\"}");
                sent.add(event);
            }
            publish(a, batch.append("]").toString());
        }
        assertTrue(!sessionOf(a, "lily"), "closed as too slow after " + sent.size() + " notices");
        String since = welcome.getString("epoch") + ":" + welcome.getInt("offset");
        WsClient back = WsClient.connect(java.net.URI.create(a.ws() + "?token=" + lily + "&since="
                + java.net.URLEncoder.encode(since, StandardCharsets.UTF_8)));
        clients.add(back);
        await().atMost(Duration.ofSeconds(30)).until(() -> back.events().size() == sent.size());
        assertTrue(back.ofType("welcome").get(0).getBoolean("recovered"));
        assertEquals(sent, back.events(), "everything since its welcome, in order");
        WsClient bad = WsClient.connect(java.net.URI.create(a.ws() + "?token=" + lily + "&since=nonsense"));
        assertEquals(1008, bad.awaitClose());
        WsClient elsewhere = WsClient.connect(java.net.URI.create(a.ws() + "?token=" + lily + "&since=otherepoch:3"));
        clients.add(elsewhere);
        elsewhere.awaitSessionId();
        assertTrue(!elsewhere.ofType("welcome").get(0).getBoolean("recovered"), "a position of another epoch");
        assertEquals(welcome.getString("epoch"), elsewhere.ofType("welcome").get(0).getString("epoch"));
    }

    @Test
    @Order(19)
    void aPositionOlderThanTheStreamsRetentionIsNotRecoveredAndNothingIsReplayed() {
        WsClient first = connect(a, "olaf");
        JsonObject welcome = first.ofType("welcome").get(0);
        first.close();
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            batch.append(i == 0 ? "" : ",").append(toUser("olaf", "old" + i));
        }
        publish(b, batch.append("]").toString());
        publish(b, batch.toString().replace("\"old", "\"newer"));
        WsClient back = WsClient.connect(java.net.URI.create(b.ws() + "?token=" + token("olaf") + "&since="
                + welcome.getString("epoch") + ":" + welcome.getInt("offset")));
        clients.add(back);
        back.awaitSessionId();
        JsonObject resumed = back.ofType("welcome").get(0);
        assertEquals(false, resumed.getBoolean("recovered"), "2,000 sent, 1,000 (and a macro node) kept");
        assertEquals(welcome.getInt("offset") + 2000, resumed.getInt("offset"));
        publish(a, toUser("olaf", "live"));
        back.awaitEvent("live");
        assertEquals(List.of("live"), back.events(), "no partial replay");
    }

    @Test
    @Order(24)
    void aClientWhoseNodeShutsDownIsClosedWith1001AndResumesOnTheOtherWithEveryAcceptedNotice() {
        ServerNode d = ServerNode.start("node-d", settings);
        try {
            d.awaitUp();
            try (ResumingClient max = new ResumingClient(token("max"), "room:stop").connect(d);
                    Sender sender = new Sender(a, "max", "room:stop", "stop-")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= 30);
                WsClient onD = max.current();
                d.close(); // a graceful stop: the node closes its sessions first
                assertEquals(1001, onD.awaitClose(Duration.ofSeconds(60)));
                int before = sender.accepted();
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= before + 30);
                max.connect(a);
                sender.close();
                awaitEveryAcceptedNoticeOnce(max, a, sender, "room:stop");
            }
        } finally {
            d.close();
        }
    }

    @Test
    @Order(25)
    void behindNginxClientsSpreadANoticeCrossesAndAStoppedNodesClientsResumeOnTheOtherWhichNginxAloneServesThen() {
        ServerNode e = ServerNode.start("node-e", settings);
        ServerNode f = ServerNode.start("node-f", settings);
        try (NginxProxy nginx = NginxProxy.start(e, f)) {
            e.awaitUp();
            f.awaitUp();
            nginx.awaitUp();
            // Clients spread over both nodes (least_conn), and a notice sent through nginx reaches all of them.
            List<WsClient> spread = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                spread.add(connect(nginx, "ng" + i));
            }
            long onE = java.util.stream.IntStream.range(0, 6).filter(i -> sessionOf(e, "ng" + i)).count();
            long onF = java.util.stream.IntStream.range(0, 6).filter(i -> sessionOf(f, "ng" + i)).count();
            assertTrue(onE >= 1 && onF >= 1 && onE + onF == 6, "spread: " + onE + " on e, " + onF + " on f");
            for (int i = 0; i < 6; i++) {
                publish(nginx, toUser("ng" + i, "through-nginx"));
            }
            spread.forEach(c -> c.awaitEvent("through-nginx"));

            // A client on e, through nginx, while notices flow; e stops; it resumes through nginx, on f.
            ResumingClient max = null;
            for (int attempt = 0; attempt < 6 && max == null; attempt++) {
                ResumingClient candidate = new ResumingClient(token("ngmax"), "room:ng").connect(nginx);
                if (sessionOf(e, "ngmax")) {
                    max = candidate;
                } else {
                    candidate.close();
                }
            }
            assertTrue(max != null, "nginx gave node e a client within six connects");
            try (ResumingClient onE2 = max; Sender sender = new Sender(a, "ngmax", "room:ng", "ng-")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= 30);
                WsClient first = onE2.current();
                e.close();
                assertEquals(1001, first.awaitClose(Duration.ofSeconds(60)));
                int before = sender.accepted();
                await().atMost(Duration.ofSeconds(20)).until(() -> sender.accepted() >= before + 30);
                onE2.connect(nginx);
                assertTrue(sessionOf(f, "ngmax"), "resumed on f");
                sender.close();
                awaitEveryAcceptedNoticeOnce(onE2, nginx, sender, "room:ng");
            }
            // e is down: nginx's passive checks (max_fails) take it out, and every new client lands on f.
            for (int i = 0; i < 6; i++) {
                WsClient late = connect(nginx, "nglate" + i);
                assertTrue(sessionOf(f, "nglate" + i), "on f");
                late.close();
            }
            String log = nginx.errorLog();
            assertTrue(log.contains("connect() failed"), "nginx tried e and moved on: " + log);
            assertTrue(log.contains("upstream server temporarily disabled"), "max_fails took e out: " + log);
        } finally {
            e.close();
            f.close();
        }
    }

    /** Whether {@code user} has a session on {@code node}, as its registry says. */
    static boolean sessionOf(ServerNode node, String user) {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            return jedis.hvals("herald:{u:" + user + "}:sessions").contains(nodeId(node));
        }
    }
}
