package dev.herald.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every session registry must do; run against memory and Redis. */
abstract class SessionRegistryContract {

    /** The registry under test, empty. */
    abstract SessionRegistry registry();

    /** Lets {@code millis} pass for the registry's notion of time (a fake clock, or nothing for Redis). */
    abstract void advance(long millis);

    @Test
    void holdsManySessionsPerUserOnDifferentNodes() {
        SessionRegistry r = registry();
        r.register("n1", "alice", "n1.1");
        r.register("n1", "alice", "n1.2");
        r.register("n2", "alice", "n2.1");
        r.register("n2", "bob", "n2.2");
        assertEquals(Map.of("n1.1", "n1", "n1.2", "n1", "n2.1", "n2"), r.sessionsOf("alice"));
        assertEquals(Map.of("n2.2", "n2"), r.sessionsOf("bob"));
    }

    @Test
    void unregisteringASessionRemovesOnlyThatSession() {
        SessionRegistry r = registry();
        r.register("n1", "alice", "n1.1");
        r.register("n2", "alice", "n2.1");
        r.unregister("n1", "alice", "n1.1");
        assertEquals(Map.of("n2.1", "n2"), r.sessionsOf("alice"));
        r.unregister("n1", "alice", "n1.1");
        assertEquals(Map.of("n2.1", "n2"), r.sessionsOf("alice"));
    }

    @Test
    void listsAndRemovesANodesSessionsInBulk() {
        SessionRegistry r = registry();
        r.registerAll("n1", Map.of("n1.1", "alice", "n1.2", "bob"));
        r.register("n2", "alice", "n2.1");
        assertEquals(Map.of("n1.1", "alice", "n1.2", "bob"), r.sessionsOn("n1"));
        r.unregisterAll("n1", Map.of("n1.1", "alice"));
        assertEquals(Map.of("n1.2", "bob"), r.sessionsOn("n1"));
        assertEquals(Map.of("n2.1", "n2"), r.sessionsOf("alice"));
        assertEquals(Map.of(), r.sessionsOn("n3"));
    }

    @Test
    void unknownUserHasNoSessions() {
        assertEquals(Map.of(), registry().sessionsOf("nobody"));
    }

    @Test
    void heartbeatReportsANodeUnknownOnlyUntilItIsKnown() {
        SessionRegistry r = registry();
        assertTrue(r.heartbeat("n1", 10_000));
        assertFalse(r.heartbeat("n1", 10_000));
        assertEquals(List.of("n1"), r.liveNodes());
    }

    @Test
    void purgesTheSessionsOfANodeWhoseHeartbeatExpired() {
        SessionRegistry r = registry();
        r.heartbeat("dead", 200);
        r.heartbeat("alive", 60_000);
        r.register("dead", "alice", "dead.1");
        r.register("alive", "alice", "alive.1");
        r.register("dead", "bob", "dead.2");

        assertEquals(List.of(), r.purgeDeadNodes(), "nothing expired yet");
        advance(201);
        await().atMost(Duration.ofSeconds(5)).until(() -> r.purgeDeadNodes().contains("dead"));

        assertEquals(Map.of("alive.1", "alive"), r.sessionsOf("alice"));
        assertEquals(Map.of(), r.sessionsOf("bob"));
        assertEquals(List.of("alive"), r.liveNodes());
        assertTrue(r.heartbeat("dead", 200), "a purged node that beats again is told to re-register");
    }

    @Test
    void removingANodeDropsAllOfItsSessionsAndNothingElse() {
        SessionRegistry r = registry();
        r.heartbeat("n1", 60_000);
        r.heartbeat("n2", 60_000);
        r.register("n1", "alice", "n1.1");
        r.register("n2", "alice", "n2.1");
        r.removeNode("n1");
        assertEquals(Map.of("n2.1", "n2"), r.sessionsOf("alice"));
        assertEquals(List.of("n2"), r.liveNodes());
    }

    @Test
    void aTabThatOpensWhileAnotherOfTheSameUserClosesStaysRegistered() throws Exception {
        SessionRegistry r = registry();
        int rounds = rounds();
        r.register("n1", "alice", "n1.0");
        java.util.concurrent.atomic.AtomicInteger opening = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        Thread closer = new Thread(() -> {
            for (int i = 1; i <= rounds; i++) {
                while (opening.get() < i) {
                    Thread.onSpinWait();
                }
                r.unregister("n1", "alice", "n1." + (i - 1)); // the old tab closes as the new one registers
                closed.set(i);
            }
        }, "closing-tab");
        closer.setDaemon(true);
        closer.start();
        int lost = 0;
        for (int i = 1; i <= rounds; i++) {
            opening.set(i);
            r.register("n1", "alice", "n1." + i);
            while (closed.get() < i) {
                Thread.onSpinWait();
            }
            if (!r.sessionsOf("alice").containsKey("n1." + i)) {
                lost++;
                r.register("n1", "alice", "n1." + i); // for the next round
            }
        }
        closer.join(10_000);
        assertEquals(0, lost, "sessions lost in " + rounds + " rounds");
        assertEquals(Map.of("n1." + rounds, "n1"), r.sessionsOf("alice"));
    }

    /** How many rounds a race test runs: many where a round is cheap. */
    int rounds() {
        return 200_000;
    }
}
