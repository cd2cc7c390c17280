package dev.herald.web.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.RedisCluster;
import dev.herald.web.TokenVerifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real server processes (Payara Micro or WildFly, by Maven profile) running herald.war, unchanged, on a real
 * Redis Cluster of three masters with a replica each ({@code herald.redis.url=redis-cluster://...}): notices of
 * every kind cross them, for users and channels on each master, and presence is right on both.
 */
class RedisClusterWarIT {

    static final String SECRET = System.getProperty("it.jwt.secret");
    static final String KEY = System.getProperty("it.api.key");

    static RedisCluster redis;
    static ServerNode a;
    static ServerNode b;
    static final TokenVerifier tokens = new TokenVerifier(SECRET);
    static final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() {
        redis = RedisCluster.start();
        Map<String, String> settings = Map.of("herald.redis.url", redis.url(), "herald.jwt.secret", SECRET,
                "herald.api.key", KEY, "herald.node.heartbeat", "500", "herald.node.ttl", "3000",
                "herald.redis.timeout", "1000", "herald.channels.open", "room:");
        a = ServerNode.start("cluster-a", settings);
        b = ServerNode.start("cluster-b", settings);
        a.awaitUp();
        b.awaitUp();
    }

    @AfterAll
    static void stop() {
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

    static WsClient connect(ServerNode node, String user) {
        WsClient client = WsClient.connectWithAuthFrame(node.ws(), tokens.sign(user, Duration.ofMinutes(10)));
        client.awaitSessionId();
        clients.add(client);
        return client;
    }

    static void publish(ServerNode node, String json) {
        var response = Http.post(node.uri("/herald/api/notices"), KEY, json);
        assertEquals(202, response.statusCode(), response.body());
    }

    @Test
    void noticesOfEveryKindCrossTheNodesForUsersAndChannelsOnEveryMaster() {
        assertTrue(Http.get(a.uri("/herald/api/health")).body().contains("\"engine\":\"redis\""));
        List<String> users = redis.usersOnEveryMaster(3);
        Map<String, WsClient> onB = new LinkedHashMap<>();
        users.forEach(u -> onB.put(u, connect(b, u)));
        List<String> rooms = List.of("room:r1", "room:r2", "room:r3", "room:r4", "room:r5", "room:r6");
        assertTrue(rooms.stream().map(r -> redis.ownerOf(RedisCluster.slotOf("{c:" + r + "}")).port()).distinct()
                .count() >= 2, "the rooms spread over the masters");
        WsClient member = connect(b, "member");
        for (String room : rooms) {
            member.send("{\"type\":\"subscribe\",\"channel\":\"" + room + "\"}");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> member.ofType("subscribed").size() == rooms.size());

        users.forEach(u -> publish(a, "{\"to\":{\"user\":\"" + u + "\"},\"event\":\"to-" + u + "\",\"data\":1}"));
        rooms.forEach(r -> publish(a, "{\"to\":{\"channel\":\"" + r + "\"},\"event\":\"in-" + r.substring(5)
                + "\",\"data\":1}"));
        publish(a, "{\"to\":{\"all\":true},\"event\":\"to-all\",\"data\":1}");

        onB.forEach((user, client) -> await().atMost(Duration.ofSeconds(10)).until(() -> client.events().size() >= 2));
        onB.forEach((user, client) -> assertEquals(Set.of("to-" + user, "to-all"), Set.copyOf(client.events()), user));
        await().atMost(Duration.ofSeconds(10)).until(() -> member.events().size() >= rooms.size() + 1);
        Set<String> expected = new HashSet<>(Set.of("to-all"));
        rooms.forEach(r -> expected.add("in-" + r.substring(5)));
        assertEquals(expected, Set.copyOf(member.events()));

        // Presence, asked of the node that holds none of these sessions.
        var presence = Http.get(a.uri("/herald/api/presence?channel=room:r1"), KEY);
        assertEquals(200, presence.statusCode(), presence.body());
        assertTrue(presence.body().contains("\"users\":[\"member\"]"), presence.body());
    }
}
