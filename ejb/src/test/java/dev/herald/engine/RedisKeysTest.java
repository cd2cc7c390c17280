package dev.herald.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.Recipient;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisKeysTest {

    static int slot(String key) {
        return JedisClusterCRC16.getSlot(key);
    }

    @Test
    void theClassicLayoutIsTheDocumentedOne() {
        RedisKeys keys = new RedisKeys("herald:");
        assertFalse(keys.sharded());
        assertEquals("herald:{u:alice}:sessions", keys.userSessions("alice"));
        assertEquals(List.of("herald:node:n1"), keys.nodeTopics("n1"));
        assertEquals("herald:node:n1", keys.nodeChannel("n1", "alice"));
        assertEquals("herald:broadcast", keys.broadcastChannel());
        assertEquals("herald:{c:room:lobby}", keys.channelTopic("room:lobby"));
    }

    @Test
    void aUsersKeysAndTheTopicsItsNoticesGoOnShareOneSlotWhenSharded() {
        RedisKeys keys = new RedisKeys("herald:", 32);
        assertTrue(keys.sharded());
        for (String user : List.of("alice", "bob", "x", "user-with:colon", "ü")) {
            int slot = slot(keys.userSessions(user));
            for (String key : keys.streamKeys(Recipient.user(user))) {
                assertEquals(slot, slot(key), key);
            }
            assertEquals(slot, slot(keys.nodeChannel("n1", user)), "a script may publish there");
            assertTrue(keys.nodeTopics("n1").contains(keys.nodeChannel("n1", user)), "the node subscribes it");
        }
        String channel = keys.channelTopic("room:lobby");
        assertEquals(slot(channel), slot(keys.streamKeys(Recipient.channel("room:lobby"))[0]));
        assertEquals(slot(channel), slot(keys.channelMemberKeys("room:lobby")[0]));
        assertEquals("herald:{broadcast}", keys.broadcastChannel());
    }

    @Test
    void partitionsSpreadEvenlyOverTheSlotRangesOfTheMasters() {
        for (int partitions : new int[] {1, 3, 32, 1024}) {
            List<String> topics = new RedisKeys("herald:", partitions).nodeTopics("n1");
            assertEquals(partitions, topics.size());
            assertEquals(partitions, new HashSet<>(topics).size(), "one topic per partition");
            for (int k = 0; k < partitions; k++) {
                int s = slot(topics.get(k));
                assertTrue(s >= k * 16384 / partitions && s < (k + 1) * 16384 / partitions,
                        "partition " + k + " of " + partitions + " in its range, not slot " + s);
            }
        }
        // Three masters with the slots split as redis-cli --cluster create does: 32 partitions, 10 or 11 each.
        List<String> topics = new RedisKeys("herald:", 32).nodeTopics("n1");
        int[] perMaster = new int[3];
        topics.forEach(t -> perMaster[Math.min(2, slot(t) / 5461)]++);
        for (int count : perMaster) {
            assertTrue(count == 10 || count == 11, "partitions per master: " + count);
        }
    }

    @Test
    void usersSpreadOverThePartitions() {
        RedisKeys keys = new RedisKeys("herald:", 32);
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            used.add(keys.partitionOf("user-" + i));
        }
        assertEquals(32, used.size());
        assertEquals(keys.partitionOf("alice"), keys.partitionOf("alice"));
    }
}
