package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisEngines;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The node contract on a real Redis started for this class; each test has its own key prefix. */
class RedisNodeIT extends NodeContract {

    @RegisterExtension
    static final RedisEngines redis = new RedisEngines();

    private final String prefix = RedisEngines.freshPrefix();

    @Test
    void sendAllPublishesOneMessagePerNodeAndNothingToNodesWithoutTheUser() {
        FakeTransport[] users = connectUsers();
        List<Notice> notices = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            notices.add(notice(Recipient.user("user" + (i % 30)), "n" + i).asTransient()); // all on node a
        }
        long bBefore = b.router().received();
        Map<String, Long> before = commandCalls();

        b.sendAll(notices);
        Map<String, Long> after = commandCalls();
        barrier("marker", users);

        assertEquals(1, calls(before, after, "publish"), "one message for node a");
        assertEquals(30, calls(before, after, "hvals"), "one lookup per distinct user");
        assertEquals(1, b.router().received() - bBefore, "node b: the marker only");
        for (int i = 0; i < 30; i++) {
            assertEquals(11, users[i].notices().size(), "user" + i + ": 10 notices and the marker");
        }
    }

    @Test
    void sendAllKeepsManyUsersNoticesWithOneAppendScriptAndOneMessagePerNodeAndNothingToNodesWithoutThem() {
        FakeTransport[] users = connectUsers(); // 0-29 on node a, 30-39 on node b
        List<Notice> notices = new ArrayList<>();
        for (int i = 0; i < 350; i++) {
            notices.add(notice(Recipient.user("user" + (i % 35)), "n" + i)); // 30 users on a, 5 on b
        }
        long bBefore = b.router().received();
        Map<String, Long> before = commandCalls();

        b.sendAll(notices);
        Map<String, Long> after = commandCalls();
        barrier("marker", users);

        assertEquals(1, calls(before, after, "evalsha"), "one script for all 35 streams");
        assertEquals(2, calls(before, after, "publish"), "one message to each node");
        assertEquals(350, calls(before, after, "xadd"));
        assertEquals(51, b.router().received() - bBefore, "node b: its 5 users' 50 notices and the marker");
        for (int i = 0; i < 40; i++) {
            List<JsonObject> got = users[i].notices();
            assertEquals(i < 35 ? 11 : 1, got.size(), "user" + i + ": 10 notices (none past user34) and the marker");
            for (int n = 0; n < got.size() - 1; n++) {
                assertEquals("n" + (n * 35 + i), got.get(n).getString("event"), "in order");
                assertEquals(n + 1, got.get(n).getInt("offset"), "numbered in the user's stream");
            }
        }
    }

    private FakeTransport[] connectUsers() {
        FakeTransport[] users = new FakeTransport[40];
        for (int i = 0; i < users.length; i++) {
            users[i] = new FakeTransport();
            (i < 30 ? a : b).connect("user" + i, users[i]);
        }
        return users;
    }

    private static long calls(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    /** Calls per command so far (INFO commandstats). */
    private static Map<String, Long> commandCalls() {
        Map<String, Long> calls = new HashMap<>();
        try (Jedis jedis = new Jedis(URI.create(redis.server().url()))) {
            Matcher m = Pattern.compile("cmdstat_(\\w+):calls=(\\d+)").matcher(jedis.info("commandstats"));
            while (m.find()) {
                calls.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return calls;
    }

    @Override
    Engine engineForNode() {
        return Engine.redis(redis.server().url(), prefix, 2000, 8, TTL * 3);
    }
}
