package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisSentinels;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two nodes on a Redis Sentinel group (a master, a replica, three sentinels), across a failover. */
class RedisSentinelIT {

    private final RedisSentinels redis = RedisSentinels.start();
    private final RedisTestNodes nodes = new RedisTestNodes(redis.url());

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
    }

    private Node node(String name) throws InterruptedException {
        return nodes.subscribed(name);
    }

    /** The position a client keeps from what {@code t} received: its welcome's, or its last notice's. */
    private static History.Position positionOf(FakeTransport t) {
        List<JsonObject> got = t.notices();
        JsonObject last = got.isEmpty() ? t.frames().get(0) : got.get(got.size() - 1);
        return new History.Position(last.getString("epoch"), last.getJsonNumber("offset").longValue());
    }

    private static Notice notice(String user, String event, int n) {
        return new Notice(Recipient.user(user), event, Json.createValue(n));
    }

    @Test
    void noticesCrossNodesThroughTheMasterTheSentinelsName() throws Exception {
        Node a = node("a");
        Node b = node("b");
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        FakeTransport room = new FakeTransport();
        SessionSender s = b.connect("bob", room);
        b.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:lobby\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> room.frames().stream()
                .anyMatch(f -> f.getString("type").equals("subscribed")));
        a.send(notice("alice", "to.alice", 1));
        a.send(new Notice(Recipient.channel("room:lobby"), "to.room", null));
        a.send(new Notice(Recipient.all(), "to.all", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 2 && room.notices().size() == 2);
        assertEquals(List.of("to.alice", "to.all"), alice.notices().stream().map(n -> n.getString("event")).toList());
        assertEquals(List.of("to.room", "to.all"), room.notices().stream().map(n -> n.getString("event")).toList());
    }

    @Test
    void deliveryComesBackByItselfAfterTheMasterIsKilledWhileNoticesFlowAndNoResumeAcrossItClaimsToBeComplete()
            throws Exception {
        acrossAFailover("the master killed", () -> redis.master().kill());
    }

    @Test
    void theNodesMoveToTheNewMasterWhenTheOldOneStaysAsAReplica() throws Exception {
        // A failover asked of the sentinels: the old master lives on, demoted, and must not keep the nodes.
        acrossAFailover("a failover asked for", () -> {
            try (redis.clients.jedis.Jedis sentinel = new redis.clients.jedis.Jedis(redis.sentinelPort(0))) {
                sentinel.sentinelFailover(RedisSentinels.MASTER);
            }
        });
    }

    private void acrossAFailover(String what, Runnable failover) throws Exception {
        Node a = node("a");
        Node b = node("b");
        int firstMaster = redis.currentMasterPort();
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger n = new AtomicInteger();
        var flow = nodes.pool().scheduleWithFixedDelay(() -> {
            try {
                a.send(notice("alice", "flow", n.incrementAndGet()));
                accepted.incrementAndGet();
            } catch (HeraldUnavailableException e) {
                refused.incrementAndGet();
            }
        }, 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() >= 20);
        List<JsonObject> got = alice.notices();
        JsonObject before = got.get(got.size() - 1);
        History.Position held = new History.Position(before.getString("epoch"), before.getJsonNumber("offset")
                .longValue());

        long killed = System.nanoTime();
        failover.run();
        // The sentinels promote the replica; both nodes follow it by themselves.
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.currentMasterPort() != firstMaster);
        // A client that resumes as herald.js does: from its last position, again whenever it is closed with 4409.
        List<FakeTransport> sessions = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                FakeTransport last = sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
                if (last != null && !last.notices().isEmpty()) {
                    return true;
                }
                if (last == null || last.closeCode() != 0) {
                    FakeTransport next = new FakeTransport();
                    try {
                        b.connect("alice", next, last == null ? held : positionOf(last));
                        sessions.add(next);
                    } catch (HeraldUnavailableException e) {
                        failures.add(e.getMessage());
                    }
                }
                return false;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no delivery 30 s after the failover: accepted " + accepted + ", refused "
                    + refused + "; sessions " + sessions.stream().map(FakeTransport::texts).toList()
                    + "; connect failures " + failures.subList(Math.max(0, failures.size() - 3), failures.size()), e);
        }
        FakeTransport again = sessions.get(0);
        long backMillis = (System.nanoTime() - killed) / 1_000_000;
        flow.cancel(false);
        System.out.println("Sentinel failover (" + what + "): delivery back " + backMillis + " ms after it ("
                + accepted + " notices accepted, " + refused + " refused meanwhile)");
        assertTrue(backMillis < 30_000, "delivery back after " + backMillis + " ms");
        JsonObject welcome = again.frames().get(0);
        assertEquals("welcome", welcome.getString("type"));
        assertEquals(false, welcome.getBoolean("recovered"),
                "a failover may lose the last writes: a resume across it is never called complete");
        assertNotEquals(held.epoch(), welcome.getString("epoch"));
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.closeCode() == SessionSender.CLOSE_RESUME
                || alice.closeCode() != 0);
        assertEquals(SessionSender.CLOSE_RESUME, alice.closeCode(), "the session that lived through it resumes");
    }
}
