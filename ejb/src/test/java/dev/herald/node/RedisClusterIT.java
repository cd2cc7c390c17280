package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.History;
import dev.herald.engine.RedisKeys;
import dev.herald.testing.FakeTransport;
import dev.herald.testing.RedisCluster;
import dev.herald.testing.RedisServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Two nodes on a Redis Cluster of three masters with a replica each, across a failover and a slot migration. */
class RedisClusterIT {

    private final RedisCluster redis = RedisCluster.start();
    private final RedisTestNodes nodes = new RedisTestNodes(redis.url());
    /** What a flow of sends met that it should not have: none may be left after a test. */
    private final List<RuntimeException> unexpected = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        nodes.close();
        redis.close();
        if (!unexpected.isEmpty()) {
            AssertionError failed = new AssertionError(unexpected.size() + " sends failed unexpectedly, first: "
                    + unexpected.get(0), unexpected.get(0));
            throw failed;
        }
    }

    private Node node(String name) throws InterruptedException {
        return nodes.subscribed(name);
    }

    private static Notice notice(String user, String event, int n) {
        return new Notice(Recipient.user(user), event, Json.createValue(n));
    }

    private static List<String> events(FakeTransport t) {
        return t.notices().stream().map(n -> n.getString("event")).toList();
    }

    private static void subscribe(Node node, SessionSender s, FakeTransport t, String channel) {
        node.receive(s, "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> t.frames().stream()
                .anyMatch(f -> f.getString("type").equals("subscribed") && f.getString("channel").equals(channel)));
    }

    @Test
    void everyKindOfNoticeCrossesNodesWhateverShardItsUserOrChannelIsOn() throws Exception {
        Node a = node("a");
        Node b = node("b");
        // Users and channels whose keys fall on each of the three masters.
        List<String> users = redis.usersOnEveryMaster(4);
        Map<String, FakeTransport> got = new LinkedHashMap<>();
        for (String user : users) {
            FakeTransport t = new FakeTransport();
            b.connect(user, t);
            got.put(user, t);
        }
        FakeTransport room = new FakeTransport();
        SessionSender roomSession = b.connect("carol", room);
        subscribe(b, roomSession, room, "room:lobby");
        FakeTransport single = new FakeTransport();
        SessionSender target = b.connect("dave", single);

        users.forEach(u -> a.send(notice(u, "to." + u, 1)));
        a.send(new Notice(Recipient.channel("room:lobby"), "to.room", null));
        a.send(new Notice(Recipient.session(target.id()), "to.session", null));
        a.send(new Notice(Recipient.all(), "to.all", null));

        await().atMost(Duration.ofSeconds(5)).until(() -> got.values().stream().allMatch(t -> t.notices().size() == 2)
                && room.notices().size() == 2 && single.notices().size() == 2);
        // Each stream in order; between streams of different shards (a user's and the broadcast) no order holds.
        got.forEach((user, t) -> assertEquals(Set.of("to." + user, "to.all"), Set.copyOf(events(t)),
                user));
        assertEquals(Set.of("to.room", "to.all"), Set.copyOf(events(room)));
        assertEquals(Set.of("to.session", "to.all"), Set.copyOf(events(single)));
        // Presence and the registry, read on the other node.
        assertTrue(a.presence().user(users.get(users.size() - 1)).online());
        assertEquals(1, a.presence().channel("room:lobby").sessions());
    }

    @Test
    void aBatchOfKeptNoticesToUsersOfManyPartitionsIsOneAppendScriptPerPartitionAndArrivesNumberedInOrder()
            throws Exception {
        Node a = node("a");
        Node b = node("b");
        List<String> users = new java.util.ArrayList<>();
        Map<String, FakeTransport> got = new LinkedHashMap<>();
        for (int i = 0; i < 80; i++) { // 80 users over 32 partitions: some share one
            String user = "batch" + i;
            users.add(user);
            FakeTransport t = new FakeTransport();
            (i % 2 == 0 ? a : b).connect(user, t);
            got.put(user, t);
        }
        RedisKeys layout = new RedisKeys("herald:", 32);
        long partitions = users.stream().map(u -> layout.streamGroup(Recipient.user(u))).distinct().count();
        List<Notice> notices = new java.util.ArrayList<>();
        for (int n = 0; n < 5; n++) {
            for (String user : users) {
                notices.add(notice(user, "n" + n, n));
            }
        }
        long scriptsBefore = scriptsRun(redis.masters());

        a.sendAll(notices);

        await().atMost(Duration.ofSeconds(5)).until(() -> got.values().stream().allMatch(t -> t.notices().size() == 5));
        assertEquals(partitions, scriptsRun(redis.masters()) - scriptsBefore,
                "one script per partition among the " + users.size() + " users");
        got.forEach((user, t) -> {
            List<JsonObject> frames = t.notices();
            for (int n = 0; n < 5; n++) {
                assertEquals("n" + n, frames.get(n).getString("event"), user + " in order");
                assertEquals(n + 1, frames.get(n).getInt("offset"), user + " numbered in their stream");
            }
        });
    }

    /**
     * The scripts run so far on {@code nodes}: their {@code EVALSHA} and {@code EVAL} calls but those that failed
     * (a master that does not know a script answers {@code NOSCRIPT}, and it is sent again whole).
     */
    private static long scriptsRun(List<RedisServer> nodes) {
        long runs = 0;
        for (RedisServer node : nodes) {
            try (Jedis j = new Jedis("127.0.0.1", node.port())) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "cmdstat_eval(?:sha)?:calls=(\\d+),.*rejected_calls=(\\d+),failed_calls=(\\d+)")
                        .matcher(j.info("commandstats"));
                while (m.find()) {
                    runs += Long.parseLong(m.group(1)) - Long.parseLong(m.group(2)) - Long.parseLong(m.group(3));
                }
            }
        }
        return runs;
    }

    @Test
    void aSenderThatIsNotJavaPublishesWithSpublishAsTheReadmeSays() throws Exception {
        Node b = node("b");
        FakeTransport room = new FakeTransport();
        subscribe(b, b.connect("ida", room), room, "room:outside");
        FakeTransport user = new FakeTransport();
        b.connect("jon", user);
        // redis-cli -c on a master that does not own the topic's slot: it follows MOVED, as a cluster client does.
        int slot = RedisCluster.slotOf("{c:room:outside}");
        RedisServer notOwner = redis.masters().stream().filter(m -> m != redis.ownerOf(slot)).findFirst()
                .orElseThrow();
        redis.cli(notOwner, "SPUBLISH", "herald:{c:room:outside}",
                "{\"v\":1,\"id\":\"ext-1\",\"to\":{\"channel\":\"room:outside\"},\"event\":\"from.outside\",\"data\":1}");
        redis.cli(notOwner, "SPUBLISH", "herald:{broadcast}",
                "{\"v\":1,\"id\":\"ext-2\",\"to\":{\"user\":\"jon\"},\"event\":\"to.jon\",\"data\":2}");
        // A classic PUBLISH reaches no node on a cluster.
        redis.cli(notOwner, "PUBLISH", "herald:broadcast",
                "{\"v\":1,\"id\":\"ext-3\",\"to\":{\"all\":true},\"event\":\"classic\",\"data\":3}");
        redis.cli(notOwner, "SPUBLISH", "herald:{broadcast}",
                "{\"v\":1,\"id\":\"ext-4\",\"to\":{\"all\":true},\"event\":\"last\",\"data\":4}");
        await().atMost(Duration.ofSeconds(5)).until(() -> events(room).size() >= 2 && events(user).size() >= 2);
        // The channel's topic and broadcast are on different shards: no order between them.
        assertEquals(Set.of("from.outside", "last"), Set.copyOf(events(room)));
        assertEquals(Set.of("to.jon", "last"), Set.copyOf(events(user)));
        assertEquals(2, events(room).size(), "the classic PUBLISH reached no one: " + events(room));
        assertEquals(2, events(user).size(), "the classic PUBLISH reached no one: " + events(user));
    }

    /** A counter of CLUSTER INFO ({@code cluster_stats_messages_publish_sent}, say) on {@code node}. */
    private static long clusterStat(RedisServer node, String name) {
        try (Jedis j = new Jedis("127.0.0.1", node.port())) {
            for (String line : j.clusterInfo().split("\r?\n")) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).trim());
                }
            }
            return 0;
        }
    }

    /** The sum of a CLUSTER INFO counter over {@code nodes}. */
    private static long clusterStat(List<RedisServer> nodes, String name) {
        return nodes.stream().mapToLong(n -> clusterStat(n, name)).sum();
    }

    @Test
    void everyTopicIsAShardChannelAndAChannelsNoticesTravelOnlyOnItsOwnShard() throws Exception {
        Node a = node("a");
        Node b = node("b");
        FakeTransport room = new FakeTransport();
        SessionSender s = b.connect("gina", room);
        subscribe(b, s, room, "room:sharded");
        FakeTransport user = new FakeTransport();
        b.connect("hugo", user);
        List<RedisServer> all = redis.all();
        for (RedisServer node : all) {
            try (Jedis j = new Jedis("127.0.0.1", node.port())) {
                assertEquals(List.of(), j.pubsubChannels(), "no classic subscription on " + node.port());
            }
        }
        RedisServer owner = redis.ownerOf(RedisCluster.slotOf("{c:room:sharded}"));
        List<RedisServer> elsewhere = all.stream().filter(n -> n != owner && redis.replicaOf(n) != owner).toList();
        long classicBefore = clusterStat(all, "cluster_stats_messages_publish_sent");
        long shardElsewhereBefore = clusterStat(elsewhere, "cluster_stats_messages_publishshard_received");
        long shardAllBefore = clusterStat(all, "cluster_stats_messages_publishshard_sent");
        int count = 50;
        for (int i = 0; i < count; i++) {
            a.send(new Notice(Recipient.channel("room:sharded"), "in.room", Json.createValue(i)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> room.notices().size() == count);
        long channelBusMessages = clusterStat(all, "cluster_stats_messages_publishshard_sent") - shardAllBefore;
        assertEquals(0, clusterStat(elsewhere, "cluster_stats_messages_publishshard_received") - shardElsewhereBefore,
                "no other shard heard of the channel's notices");
        for (int i = 0; i < count; i++) {
            a.send(new Notice(Recipient.all(), "to.all", Json.createValue(i)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> user.notices().size() == count);
        long broadcastBusMessages = clusterStat(all, "cluster_stats_messages_publishshard_sent") - shardAllBefore
                - channelBusMessages;
        assertEquals(0, clusterStat(all, "cluster_stats_messages_publish_sent") - classicBefore,
                "not one classic PUBLISH crossed the cluster bus");
        // The same count of classic PUBLISH, for comparison: Redis Cluster forwards each to every other node.
        long classic = clusterStat(all, "cluster_stats_messages_publish_sent");
        try (Jedis j = new Jedis("127.0.0.1", owner.port())) {
            for (int i = 0; i < count; i++) {
                j.publish("herald-test-classic", "x");
            }
        }
        long classicBusMessages = clusterStat(all, "cluster_stats_messages_publish_sent") - classic;
        System.out.printf("Cluster bus messages per notice (6 nodes): channel %.1f, broadcast %.1f (sharded); "
                + "classic PUBLISH %.1f%n", (double) channelBusMessages / count, (double) broadcastBusMessages / count,
                (double) classicBusMessages / count);
        assertTrue(channelBusMessages <= count, "a channel notice reaches its shard's replica only");
        assertTrue(classicBusMessages >= 4L * count, "classic PUBLISH reaches every node");
    }

    @Test
    void aResumeOnTheOtherNodeGetsWhatWasMissedFromTheUsersShard() throws Exception {
        Node a = node("a");
        Node b = node("b");
        FakeTransport first = new FakeTransport();
        SessionSender firstSession = a.connect("erin", first);
        a.send(notice("erin", "one", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> first.notices().size() == 1);
        JsonObject last = first.notices().get(0);
        History.Position held = new History.Position(last.getString("epoch"), last.getJsonNumber("offset").longValue());
        a.disconnect(firstSession);
        b.send(notice("erin", "two", 2));
        b.send(notice("erin", "three", 3));

        FakeTransport again = new FakeTransport();
        b.connect("erin", again, held);
        await().atMost(Duration.ofSeconds(5)).until(() -> again.notices().size() == 2);
        assertEquals(true, again.frames().get(0).getBoolean("recovered"));
        assertEquals(List.of("two", "three"), events(again));
    }

    @Test
    void deliveryComesBackByItselfAfterTheMasterOfTheUsersSlotIsKilledWhileNoticesFlow() throws Exception {
        Node a = node("a");
        Node b = node("b");
        RedisServer master = redis.ownerOf(RedisCluster.userSlot("alice"));
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<String> lastRefusal = new AtomicReference<>();
        AtomicInteger n = new AtomicInteger();
        var flow = nodes.pool().scheduleWithFixedDelay(() -> {
            try {
                a.send(notice("alice", "flow", n.incrementAndGet()));
                accepted.incrementAndGet();
            } catch (HeraldUnavailableException e) {
                refused.incrementAndGet();
                lastRefusal.set(e.getMessage());
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() >= 20);
        JsonObject before = alice.notices().get(alice.notices().size() - 1);

        long killed = System.nanoTime();
        redis.kill(master);
        // The replica takes the slot over; both nodes follow by themselves. A client resumes as herald.js does.
        List<FakeTransport> sessions = new CopyOnWriteArrayList<>(List.of(alice));
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                FakeTransport current = sessions.get(sessions.size() - 1);
                if (current != alice && !current.notices().isEmpty()) {
                    return true;
                }
                if (current.closeCode() != 0) {
                    FakeTransport next = new FakeTransport();
                    try {
                        b.connect("alice", next, new History.Position(before.getString("epoch"),
                                before.getJsonNumber("offset").longValue()));
                        sessions.add(next);
                    } catch (HeraldUnavailableException e) {
                        // not yet
                    }
                }
                return false;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no delivery 30 s after the kill: accepted " + accepted + ", refused " + refused
                    + " (last: " + lastRefusal + "); sessions " + sessions.stream().map(FakeTransport::texts).toList(), e);
        }
        long backMillis = (System.nanoTime() - killed) / 1_000_000;
        flow.cancel(false);
        System.out.println("Cluster failover: delivery back " + backMillis + " ms after the kill (" + accepted
                + " notices accepted, " + refused + " refused meanwhile)");
        assertTrue(backMillis < 30_000, "delivery back after " + backMillis + " ms");
        JsonObject welcome = sessions.get(1).frames().get(0);
        assertEquals(false, welcome.getBoolean("recovered"),
                "a failover may lose the last writes: a resume across it is never called complete");
        assertNotEquals(before.getString("epoch"), welcome.getString("epoch"));
    }

    @Test
    void aChannelsSubscribersKeepReceivingWhileItsSlotMigratesToAnotherMaster() throws Exception {
        Node a = node("a");
        Node b = node("b");
        // A client that resumes as herald.js does: whenever it is closed with 4409, it connects again and
        // subscribes from the last notice it got.
        List<FakeTransport> sessions = new CopyOnWriteArrayList<>();
        Runnable join = () -> {
            FakeTransport t = new FakeTransport();
            SessionSender s = b.connect("frank", t);
            List<JsonObject> got = sessions.stream().flatMap(x -> x.notices().stream()).toList();
            String since = got.isEmpty() ? "" : ",\"since\":{\"epoch\":\"" + got.get(got.size() - 1).getString("epoch")
                    + "\",\"offset\":" + got.get(got.size() - 1).getJsonNumber("offset") + "}";
            sessions.add(t);
            b.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:moving\"" + since + "}");
            await().atMost(Duration.ofSeconds(5)).until(() -> t.frames().stream()
                    .anyMatch(f -> f.getString("type").equals("subscribed")) || t.closeCode() != 0);
        };
        join.run();
        int slot = RedisCluster.slotOf("{c:room:moving}");
        RedisServer from = redis.ownerOf(slot);
        RedisServer to = redis.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
        List<Integer> accepted = new CopyOnWriteArrayList<>();
        AtomicInteger n = new AtomicInteger();
        var flow = nodes.pool().scheduleWithFixedDelay(() -> {
            int i = n.incrementAndGet();
            try {
                a.send(new Notice(Recipient.channel("room:moving"), "flow", Json.createValue(i)));
                accepted.add(i);
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        Supplier<List<JsonObject>> received = () -> sessions.stream()
                .flatMap(x -> x.notices().stream()).toList();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.get().size() >= 20);
        redis.migrate(slot, to);
        assertEquals(to.port(), redis.ownerOf(slot).port(), "the slot moved");
        int sentBefore = n.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> accepted.size() >= sentBefore + 50);
        flow.cancel(false);
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (sessions.get(sessions.size() - 1).closeCode() == SessionSender.CLOSE_RESUME) {
                    join.run();
                }
                return received.get().size() >= accepted.size();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the client got " + received.get().size() + " of " + accepted.size()
                    + " notices in " + sessions.size() + " sessions, closed "
                    + sessions.stream().map(FakeTransport::closeCode).toList(), e);
        }
        List<Integer> values = received.get().stream().map(f -> f.getInt("data")).toList();
        assertEquals(accepted, values, "every notice accepted reached the client once, in order");
        List<JsonObject> all = received.get();
        for (int i = 1; i < all.size(); i++) {
            assertEquals(all.get(i - 1).getJsonNumber("offset").longValue() + 1,
                    all.get(i).getJsonNumber("offset").longValue(), "no gap in the channel's stream");
            assertEquals(all.get(0).getString("epoch"), all.get(i).getString("epoch"),
                    "a migration loses nothing: the stream keeps its epoch");
        }
        System.out.println("Cluster slot migration: " + accepted.size() + " notices, " + sessions.size()
                + " session(s) of the client");
    }
}
