package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.ChannelPresence;
import dev.herald.Notice;
import dev.herald.Presence;
import dev.herald.Recipient;
import dev.herald.UserPresence;
import dev.herald.engine.Engine;
import dev.herald.engine.History;
import dev.herald.testing.FakeTransport;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every engine must do for a cluster: two nodes on one engine backend, sessions with fake transports.
 * Run against the in-memory engine and against a real Redis.
 */
abstract class NodeContract {

    static final int HEARTBEAT = 50;
    static final int TTL = 300;
    static final int GRACE = 400;

    private final List<ScheduledExecutorService> pools = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    Node a;
    Node b;

    /** A new engine for one more node, on the backend that this test's nodes share. */
    abstract Engine engineForNode();

    @BeforeEach
    void startTwoNodes() throws InterruptedException {
        a = startNode("a");
        b = startNode("b");
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(Node::close);
        pools.forEach(ScheduledExecutorService::shutdownNow);
    }

    Node startNode(String name) throws InterruptedException {
        return startNode(name, Map.of());
    }

    /** A node with settings of its own on top of the test's. */
    Node startNode(String name, Map<String, String> more) {
        Map<String, String> settings = new HashMap<>();
        settings.put("herald.node.name", name);
        settings.put("herald.node.heartbeat", String.valueOf(HEARTBEAT));
        settings.put("herald.node.ttl", String.valueOf(TTL));
        settings.put("herald.session.queue-limit", "100");
        settings.put("herald.channels.open", "room:");
        settings.put("herald.channels.join-leave", "room:jl-");
        settings.put("herald.channels.leave-grace", String.valueOf(GRACE));
        settings.putAll(more);
        HeraldConfig config = HeraldConfig.from(settings::get);
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(2);
        pools.add(pool);
        Node node = new Node(config, engineForNode(), Thread::new, pool, Runnable::run);
        nodes.add(node);
        node.start();
        try {
            assertTrue(node.awaitSubscribed(10, SECONDS), "node " + name + " subscribed");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return node;
    }

    static Notice notice(Recipient to, String event) {
        return new Notice(to, event, Json.createObjectBuilder().add("n", event).build());
    }

    static List<String> events(FakeTransport t) {
        return t.notices().stream().map(n -> n.getString("event")).toList();
    }

    /** Sends a broadcast and waits until every given transport has it, so that earlier notices have passed. */
    void barrier(String marker, FakeTransport... everyone) {
        a.send(notice(Recipient.all(), marker));
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            for (FakeTransport t : everyone) {
                if (!events(t).contains(marker)) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void refusesAUsersSessionPastTheLimitCountedOverAllNodesAndTakesOneAgainWhenASessionCloses() {
        Node c = startNode("c", Map.of("herald.session.max-per-user", "2"));
        Node d = startNode("d", Map.of("herald.session.max-per-user", "2"));
        SessionSender first = c.connect("erin", new FakeTransport());
        d.connect("erin", new FakeTransport());
        SessionLimitException refused = org.junit.jupiter.api.Assertions.assertThrows(SessionLimitException.class,
                () -> c.connect("erin", new FakeTransport()));
        assertTrue(refused.getMessage().contains("herald.session.max-per-user"), refused.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(SessionLimitException.class,
                () -> d.connect("erin", new FakeTransport()));
        d.connect("frank", new FakeTransport()); // a limit per user, not per node
        c.disconnect(first, 1000);
        c.connect("erin", new FakeTransport());
    }

    @Test
    void deliversUserNoticeToEverySessionOfThatUserOnEveryNodeExactlyOnce() {
        FakeTransport alice1 = new FakeTransport();
        FakeTransport alice2 = new FakeTransport();
        FakeTransport alice3 = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        a.connect("alice", alice1);
        a.connect("alice", alice2);
        b.connect("alice", alice3);
        b.connect("bob", bob);

        String id = a.send(notice(Recipient.user("alice"), "order.shipped"));
        barrier("marker", alice1, alice2, alice3, bob);

        for (FakeTransport t : List.of(alice1, alice2, alice3)) {
            assertEquals(List.of("order.shipped", "marker"), events(t));
            assertEquals(id, t.notices().get(0).getString("id"));
            assertEquals("order.shipped", t.notices().get(0).getJsonObject("data").getString("n"));
        }
        assertEquals(List.of("marker"), events(bob));
    }

    @Test
    void noticeToUserWithNoSessionReachesNoOneAndRaisesNoError() {
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);

        a.send(notice(Recipient.user("nobody"), "lost"));
        barrier("marker", alice);

        assertEquals(List.of("marker"), events(alice));
    }

    @Test
    void userNoticeReachesOnlyTheNodesThatHoldThatUser() {
        FakeTransport alice = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        a.connect("alice", alice);
        b.connect("bob", bob);
        long aBefore = a.router().received();
        long bBefore = b.router().received();

        b.send(notice(Recipient.user("alice"), "for.alice"));
        barrier("marker", alice, bob);

        assertEquals(2, a.router().received() - aBefore, "node a: the notice and the marker");
        assertEquals(1, b.router().received() - bBefore, "node b: the marker only");
    }

    @Test
    void sendAllDeliversEachNoticeOnlyWhereItsRecipientIsAndKeepsTheOrderOfEachSession() {
        FakeTransport alice = new FakeTransport();
        FakeTransport aliceToo = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        a.connect("alice", alice);
        b.connect("alice", aliceToo);
        SessionSender bobSession = b.connect("bob", bob);
        long aBefore = a.router().received();
        long bBefore = b.router().received();

        List<String> ids = a.sendAll(List.of(
                notice(Recipient.user("alice"), "1"),
                notice(Recipient.user("bob"), "2"),
                notice(Recipient.all(), "3"),
                notice(Recipient.user("nobody"), "4"),
                notice(Recipient.session(bobSession.id()), "5"),
                notice(Recipient.user("alice"), "6"),
                notice(Recipient.all(), "7"),
                notice(Recipient.user("bob"), "8")));
        barrier("marker", alice, aliceToo, bob);

        assertEquals(8, ids.size());
        assertEquals(List.of("1", "3", "6", "7", "marker"), events(alice));
        assertEquals(List.of("1", "3", "6", "7", "marker"), events(aliceToo));
        assertEquals(List.of("2", "3", "5", "7", "8", "marker"), events(bob));
        assertEquals(5, a.router().received() - aBefore, "node a: 1, 3, 6, 7 and the marker");
        assertEquals(8, b.router().received() - bBefore, "node b: 1, 2, 3, 5, 6, 7, 8 and the marker");
    }

    @Test
    void deliversSessionNoticeToThatSessionOnly() {
        FakeTransport first = new FakeTransport();
        FakeTransport second = new FakeTransport();
        SessionSender target = b.connect("alice", first);
        a.connect("alice", second);

        a.send(notice(Recipient.session(target.id()), "just.you"));
        barrier("marker", first, second);

        assertEquals(List.of("just.you", "marker"), events(first));
        assertEquals(List.of("marker"), events(second));
    }

    @Test
    void broadcastReachesEverySessionOnEveryNodeOnce() {
        FakeTransport[] all = new FakeTransport[4];
        for (int i = 0; i < all.length; i++) {
            all[i] = new FakeTransport();
            (i % 2 == 0 ? a : b).connect("user" + i, all[i]);
        }
        barrier("hello.all", all);
        barrier("marker", all);
        for (FakeTransport t : all) {
            assertEquals(List.of("hello.all", "marker"), events(t));
        }
    }

    @Test
    void greetsEachSessionWithItsIdAndUser() {
        FakeTransport t = new FakeTransport();
        SessionSender session = a.connect("alice", t);
        JsonObject welcome = t.frames().get(0);
        assertEquals("welcome", welcome.getString("type"));
        assertEquals(session.id(), welcome.getString("session"));
        assertEquals("alice", welcome.getString("user"));
    }

    @Test
    void closedSessionStopsReceivingWhileTheUsersOtherSessionsStillDo() {
        FakeTransport gone = new FakeTransport();
        FakeTransport stays = new FakeTransport();
        SessionSender session = a.connect("alice", gone);
        b.connect("alice", stays);

        a.disconnect(session);
        assertFalse(a.registry().sessionsOf("alice").containsKey(session.id()));
        assertEquals(1, a.registry().sessionsOf("alice").size());

        a.send(notice(Recipient.user("alice"), "after.close"));
        barrier("marker", stays);
        assertEquals(List.of("after.close", "marker"), events(stays));
        assertEquals(List.of(), events(gone));
    }

    @Test
    void purgesSessionsOfDeadNodeWithinTtlPlusHeartbeat() {
        FakeTransport bob = new FakeTransport();
        b.connect("bob", bob);
        assertEquals(1, a.registry().sessionsOf("bob").size());

        b.haltAsIfKilled();

        await().atMost(Duration.ofMillis(TTL + HEARTBEAT + 5000))
                .until(() -> a.registry().sessionsOf("bob").isEmpty());
        assertFalse(a.registry().liveNodes().contains(b.id()), "dead node is no longer listed as live");
        assertTrue(a.registry().liveNodes().contains(a.id()));
    }

    @Test
    void sendsABatchInOrder() {
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        List<Notice> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(notice(Recipient.user("alice"), "n" + i));
        }
        List<String> ids = a.sendAll(batch);
        barrier("marker", alice);
        assertEquals(20, ids.size());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("n" + i);
        }
        expected.add("marker");
        assertEquals(expected, events(alice));
        assertEquals(ids, alice.notices().subList(0, 20).stream().map(n -> n.getString("id")).toList());
    }

    @Test
    void aBatchOfThreeThousandNoticesToOneUserReachesASessionWhoseSendsCompleteOnlyLater() {
        FakeTransport alice = new FakeTransport();
        b.connect("alice", alice);
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.registry().sessionsOf("alice").isEmpty());
        alice.hold(); // as on WildFly: the first send completes after the node queued the rest of the burst
        List<Notice> batch = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            batch.add(notice(Recipient.user("alice"), "n" + i));
        }
        long queued = b.router().delivered();
        a.sendAll(batch);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.router().delivered() == queued + 3000);
        assertEquals(0, alice.closeCode(), "3,000 notices wait, more than the queue limit (100), in one burst");
        alice.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 3000);
        assertEquals("n2999", alice.notices().get(2999).getString("event"));
    }

    // Channels: a channel's notices reach its subscribers on every node, and only the nodes that have some.

    /** Subscribes a session the way a client does, and waits for its {@code subscribed}. */
    static void subscribe(Node node, SessionSender session, FakeTransport t, String channel) {
        long before = framesOf(t, "subscribed", channel);
        node.receive(session, "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(t, "subscribed", channel) > before);
    }

    static long framesOf(FakeTransport t, String type, String channel) {
        return t.frames().stream().filter(f -> type.equals(f.getString("type", null))
                && channel.equals(f.getString("channel", null))).count();
    }

    @Test
    void deliversAChannelNoticeToEverySubscribedSessionOnEveryNodeOnceAndToNoOtherSession() {
        FakeTransport a1 = new FakeTransport();
        FakeTransport b1 = new FakeTransport();
        FakeTransport b2 = new FakeTransport();
        FakeTransport outsider = new FakeTransport();
        subscribe(a, a.connect("alice", a1), a1, "room:lobby");
        subscribe(b, b.connect("bob", b1), b1, "room:lobby");
        SessionSender bob2 = b.connect("bob", b2);
        subscribe(b, bob2, b2, "room:lobby");
        subscribe(b, bob2, b2, "room:lobby"); // again: subscribed again, still one delivery
        b.connect("carol", outsider);
        a.send(notice(Recipient.channel("room:lobby"), "chat"));
        barrier("after-chat", a1, b1, b2, outsider);
        for (FakeTransport t : List.of(a1, b1, b2)) {
            assertEquals(List.of("chat", "after-chat"), events(t));
            assertEquals("room:lobby", t.notices().get(0).getString("channel"));
        }
        assertEquals(List.of("after-chat"), events(outsider));
    }

    @Test
    void nothingOfAChannelReachesASessionOnceItsUnsubscribed() {
        FakeTransport alice = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        SessionSender s = b.connect("alice", alice);
        subscribe(b, s, alice, "room:quiet");
        subscribe(b, b.connect("bob", bob), bob, "room:quiet");
        b.receive(s, "{\"type\":\"unsubscribe\",\"channel\":\"room:quiet\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(alice, "unsubscribed", "room:quiet") == 1);
        a.send(notice(Recipient.channel("room:quiet"), "after-unsubscribe"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(bob).contains("after-unsubscribe"));
        barrier("later", alice, bob);
        assertEquals(List.of("later"), events(alice));
    }

    @Test
    void aNodeWithoutSubscribersOfAChannelReceivesNoneOfItsNoticesAndStopsAfterItsLastLeaves() {
        FakeTransport onA = new FakeTransport();
        FakeTransport onB = new FakeTransport();
        subscribe(a, a.connect("alice", onA), onA, "room:a-only");
        SessionSender bob = b.connect("bob", onB);
        subscribe(b, bob, onB, "room:both");
        long receivedOnB = b.router().received();
        for (int i = 0; i < 5; i++) {
            a.send(notice(Recipient.channel("room:a-only"), "only-a-" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> events(onA).contains("only-a-4"));
        a.send(notice(Recipient.channel("room:both"), "to-b"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(onB).contains("to-b"));
        assertEquals(receivedOnB + 1, b.router().received(), "node b got the notice of its channel, none of the other");
        b.receive(bob, "{\"type\":\"unsubscribe\",\"channel\":\"room:both\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(onB, "unsubscribed", "room:both") == 1);
        long afterLeave = b.router().received();
        a.send(notice(Recipient.channel("room:both"), "nobody-on-b"));
        a.send(notice(Recipient.channel("room:a-only"), "marker"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(onA).contains("marker"));
        await("no channel message reaches b any more").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> b.router().received() == afterLeave);
    }

    @Test
    void aClientPublishReachesTheChannelWithTheServerSetFromAndIsAnsweredWithItsId() {
        FakeTransport alice = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        SessionSender s = a.connect("alice", alice);
        subscribe(a, s, alice, "room:talk");
        subscribe(b, b.connect("bob", bob), bob, "room:talk");
        a.receive(s, "{\"type\":\"publish\",\"channel\":\"room:talk\",\"event\":\"chat.message\","
                + "\"data\":{\"text\":\"hi\"},\"from\":\"mallory\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> events(bob).contains("chat.message")
                && events(alice).contains("chat.message"));
        JsonObject received = bob.notices().get(0);
        assertEquals("alice", received.getString("from"), "set by the server, not taken from the frame");
        assertEquals("hi", received.getJsonObject("data").getString("text"));
        JsonObject published = alice.frames().stream().filter(f -> "published".equals(f.getString("type"))).findFirst()
                .orElseThrow();
        assertEquals(received.getString("id"), published.getString("id"));
        assertEquals("room:talk", published.getString("channel"));
    }

    @Test
    void aClosedSessionLeavesItsChannelsAndTheNodeUnsubscribesAfterTheLast() {
        FakeTransport alice = new FakeTransport();
        FakeTransport watcher = new FakeTransport();
        SessionSender s = b.connect("alice", alice);
        subscribe(b, s, alice, "room:gone");
        subscribe(a, a.connect("watcher", watcher), watcher, "room:gone");
        b.disconnect(s);
        long before = b.router().received();
        a.send(notice(Recipient.channel("room:gone"), "after-close"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(watcher).contains("after-close"));
        await("node b holds no subscription of the channel").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2)).until(() -> b.router().received() == before);
        assertTrue(b.hub().ofChannel("room:gone").isEmpty());
    }

    @Test
    void subscribesEveryCurrentSessionOfAUserOnEveryNodeFromTheServerWithoutAskingTheAuthorizer() {
        FakeTransport alice1 = new FakeTransport();
        FakeTransport alice2 = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        a.connect("alice", alice1);
        b.connect("alice", alice2);
        b.connect("bob", bob);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.registry().sessionsOf("alice").size() == 2);
        a.subscribe("alice", "team:ops", true); // not an open channel: the server does not ask
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(alice1, "subscribed", "team:ops") == 1
                && framesOf(alice2, "subscribed", "team:ops") == 1);
        b.send(notice(Recipient.channel("team:ops"), "ops.alert"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(alice1).contains("ops.alert")
                && events(alice2).contains("ops.alert"));
        b.subscribe("alice", "team:ops", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(alice1, "unsubscribed", "team:ops") == 1
                && framesOf(alice2, "unsubscribed", "team:ops") == 1);
        a.send(notice(Recipient.channel("team:ops"), "too.late"));
        barrier("after-ops", alice1, alice2, bob);
        assertEquals(List.of("ops.alert", "after-ops"), events(alice1));
        assertEquals(List.of("ops.alert", "after-ops"), events(alice2));
        assertEquals(List.of("after-ops"), events(bob));
    }

    // Presence: exact on every node as soon as the client read the frame that answers it.

    static long typed(FakeTransport t, String type, String channel, String user) {
        return t.frames().stream().filter(f -> type.equals(f.getString("type", null))
                && channel.equals(f.getString("channel", null)) && user.equals(f.getString("user", null))).count();
    }

    @Test
    void presenceOnAnyNodeIsRightOnceTheClientReadSubscribedOrUnsubscribedAndAfterAClose() {
        FakeTransport alice1 = new FakeTransport();
        FakeTransport alice2 = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        SessionSender a1 = a.connect("alice", alice1);
        SessionSender a2 = b.connect("alice", alice2);
        SessionSender b1 = b.connect("bob", bob);
        assertEquals(2, a.presence().user("alice").sessions().size(), "registered before welcome");
        assertEquals(Set.of(a.id(), b.id()), a.presence().user("alice").sessions().stream()
                .map(UserPresence.Session::node).collect(Collectors.toSet()));
        assertFalse(a.presence().user("nobody").online());

        subscribe(a, a1, alice1, "room:p");
        assertEquals(new ChannelPresence("room:p", List.of("alice"), 1, 1, null), b.presence().channel("room:p"));
        subscribe(b, a2, alice2, "room:p");
        subscribe(b, b1, bob, "room:p");
        assertEquals(new ChannelPresence("room:p", List.of("alice", "bob"), 2, 3, null), a.presence().channel("room:p"));

        b.receive(b1, "{\"type\":\"unsubscribe\",\"channel\":\"room:p\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(bob, "unsubscribed", "room:p") == 1);
        assertEquals(new ChannelPresence("room:p", List.of("alice"), 1, 2, null), a.presence().channel("room:p"));

        a.disconnect(a1);
        assertEquals(new ChannelPresence("room:p", List.of("alice"), 1, 1, null), b.presence().channel("room:p"));
        assertEquals(1, b.presence().user("alice").sessions().size());
        assertEquals(new Presence.Totals(2, 2), a.presence().totals());
    }

    @Test
    void aClientAsksForPresenceWhereAllowedAndIsRefusedElsewhere() {
        FakeTransport alice = new FakeTransport();
        SessionSender s = a.connect("alice", alice);
        subscribe(a, s, alice, "room:ask");
        a.receive(s, "{\"type\":\"presence\",\"channel\":\"room:ask\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> framesOf(alice, "presence", "room:ask") == 1);
        JsonObject answer = alice.frames().stream().filter(f -> "presence".equals(f.getString("type"))).findFirst()
                .orElseThrow();
        assertEquals(List.of("alice"), answer.getJsonArray("users").getValuesAs(jakarta.json.JsonString.class)
                .stream().map(jakarta.json.JsonString::getString).toList());
        assertEquals(1, answer.getInt("sessions"));
        assertEquals(1, answer.getInt("userCount"));
        a.receive(s, "{\"type\":\"presence\",\"channel\":\"secret:x\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.frames().stream().anyMatch(f ->
                "error".equals(f.getString("type")) && "forbidden".equals(f.getString("code"))
                        && "secret:x".equals(f.getString("channel", null))));
    }

    @Test
    void subscribersOnEveryNodeAreToldOfAUsersFirstJoinAndLastLeaveAfterTheGrace() {
        FakeTransport watcher = new FakeTransport();
        FakeTransport alice1 = new FakeTransport();
        FakeTransport alice2 = new FakeTransport();
        subscribe(b, b.connect("watcher", watcher), watcher, "room:jl-1");
        SessionSender s1 = a.connect("alice", alice1);
        SessionSender s2 = a.connect("alice", alice2);
        subscribe(a, s1, alice1, "room:jl-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> typed(watcher, "join", "room:jl-1", "alice") == 1);
        subscribe(a, s2, alice2, "room:jl-1"); // her second session: no second join
        a.receive(s1, "{\"type\":\"unsubscribe\",\"channel\":\"room:jl-1\"}"); // one left: no leave
        a.disconnect(s2); // her last: a leave, after the grace
        long left = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> typed(watcher, "leave", "room:jl-1", "alice") == 1);
        assertTrue(System.nanoTime() - left >= (GRACE - 50) * 1_000_000L, "the leave waited for the grace");
        barrier("settled", watcher);
        assertEquals(1, typed(watcher, "join", "room:jl-1", "alice"));
        assertEquals(1, typed(watcher, "leave", "room:jl-1", "alice"));
        assertEquals(0, typed(watcher, "join", "room:p-none", "alice"));
    }

    @Test
    void aUserBackWithinTheGraceOnAnotherNodeShowsNeitherLeaveNorJoin() {
        FakeTransport watcher = new FakeTransport();
        FakeTransport before = new FakeTransport();
        FakeTransport after = new FakeTransport();
        subscribe(a, a.connect("watcher", watcher), watcher, "room:jl-2");
        SessionSender s = a.connect("alice", before);
        subscribe(a, s, before, "room:jl-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> typed(watcher, "join", "room:jl-2", "alice") == 1);
        a.disconnect(s); // a page reload: she comes back on the other node
        subscribe(b, b.connect("alice", after), after, "room:jl-2");
        await("no leave and no second join").during(Duration.ofMillis(GRACE + 300)).atMost(Duration.ofSeconds(5))
                .until(() -> typed(watcher, "leave", "room:jl-2", "alice") == 0
                        && typed(watcher, "join", "room:jl-2", "alice") == 1);
    }

    @Test
    void aDeadNodesMembersLeaveItsChannelsWithinTtlPlusHeartbeatAndTheLeaveIsAnnounced() {
        FakeTransport watcher = new FakeTransport();
        FakeTransport bob = new FakeTransport();
        subscribe(a, a.connect("watcher", watcher), watcher, "room:jl-3");
        subscribe(b, b.connect("bob", bob), bob, "room:jl-3");
        assertEquals(2, a.presence().channel("room:jl-3").userCount());
        b.haltAsIfKilled();
        await().atMost(Duration.ofMillis(TTL + HEARTBEAT + 5000))
                .until(() -> a.presence().channel("room:jl-3").users().equals(List.of("watcher")));
        await().atMost(Duration.ofSeconds(5)).until(() -> typed(watcher, "leave", "room:jl-3", "bob") == 1);
        assertEquals(1, a.presence().channel("room:jl-3").sessions());
    }

    @Test
    void tellsItsEventsOfSessionsOpenedAndClosedWithTheirCodeAndOfClientPublishes() {
        List<Object> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        a.events(new NodeEvents() {
            @Override
            public void opened(dev.herald.SessionOpened event) {
                heard.add(event);
            }

            @Override
            public void closed(dev.herald.SessionClosed event) {
                heard.add(event);
            }

            @Override
            public void published(dev.herald.ClientPublished event) {
                heard.add(event);
            }
        });
        FakeTransport alice = new FakeTransport();
        SessionSender s = a.connect("alice", alice);
        subscribe(a, s, alice, "room:ev");
        a.receive(s, "{\"type\":\"publish\",\"channel\":\"room:ev\",\"event\":\"chat\",\"data\":{\"t\":1}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> events(alice).contains("chat"));
        String id = alice.notices().get(0).getString("id");
        s.close(SessionSender.CLOSE_TOO_SLOW, "test");
        a.disconnect(s);
        a.disconnect(s); // idempotent: one event
        SessionSender other = a.connect("bob", new FakeTransport());
        a.disconnect(other, 1000);
        assertEquals(List.of(new dev.herald.SessionOpened("alice", s.id(), a.id()),
                new dev.herald.ClientPublished("alice", "room:ev", id, "chat", "{\"t\":1}"),
                new dev.herald.SessionClosed("alice", s.id(), a.id(), 4429),
                new dev.herald.SessionOpened("bob", other.id(), a.id()),
                new dev.herald.SessionClosed("bob", other.id(), a.id(), 1000)), heard);
    }

    @Test
    void aMembershipNoLocalSessionHoldsIsRemovedByTheNodesReconcile() throws Exception {
        // As a leave lost in a Redis blip leaves it: recorded for node a, held by no session of a.
        try (Engine engine = engineForNode()) {
            engine.members().join(new dev.herald.engine.ChannelMembers.Member(a.id(), "room:stale", "ghost",
                    a.id() + ".999"), 0, 0);
        }
        FakeTransport alice = new FakeTransport();
        subscribe(a, a.connect("alice", alice), alice, "room:stale");
        assertEquals(2, b.presence().channel("room:stale").sessions());
        await().atMost(Duration.ofMillis(HEARTBEAT * Liveness.RECONCILE_EVERY_BEATS * 4L + 5000))
                .until(() -> b.presence().channel("room:stale").users().equals(List.of("alice")));
        assertEquals(1, b.presence().channel("room:stale").sessions(), "alice's own membership stays");
    }

    @Test
    void aReconcileThatRemovesAUsersLastMembershipAnnouncesTheLeave() throws Exception {
        // A session's leave may find its entry already gone: a reconcile that ran between the session dropping
        // the channel and the engine forgetting it. Whoever removes the entry announces, or the leave is lost.
        FakeTransport watcher = new FakeTransport();
        subscribe(b, b.connect("watcher", watcher), watcher, "room:jl-stale");
        try (Engine engine = engineForNode()) {
            engine.members().join(new dev.herald.engine.ChannelMembers.Member(a.id(), "room:jl-stale", "ghost",
                    a.id() + ".999"), 0, 0);
        }
        await().atMost(Duration.ofMillis(HEARTBEAT * Liveness.RECONCILE_EVERY_BEATS * 4L + GRACE + 5000))
                .until(() -> typed(watcher, "leave", "room:jl-stale", "ghost") == 1);
        assertEquals(List.of("watcher"), a.presence().channel("room:jl-stale").users());
    }

    // History: kept notices carry offsets; a session resumes from its position on any node.

    static History.Position positionOf(JsonObject frame) {
        return new History.Position(frame.getString("epoch"), frame.getJsonNumber("offset").longValue());
    }

    static List<Long> offsets(FakeTransport t, String stream) {
        return t.notices().stream().filter(n -> stream.equals(n.getString("channel", null)))
                .map(n -> n.getJsonNumber("offset").longValue()).toList();
    }

    @Test
    void aWelcomeCarriesTheUsersStreamPositionAndEachKeptNoticeItsOffset() {
        FakeTransport alice = new FakeTransport();
        a.connect("alice", alice);
        JsonObject welcome = alice.frames().get(0);
        assertEquals("welcome", welcome.getString("type"));
        assertEquals(0, welcome.getInt("offset"));
        assertFalse(welcome.containsKey("recovered"), "no position given: nothing said of recovering");
        b.send(notice(Recipient.user("alice"), "one"));
        b.send(notice(Recipient.user("alice"), "two"));
        b.send(notice(Recipient.user("alice"), "typing").asTransient());
        barrier("marker", alice);
        List<JsonObject> got = alice.notices();
        assertEquals(List.of("one", "two", "typing", "marker"), events(alice));
        assertEquals(1, got.get(0).getInt("offset"));
        assertEquals(2, got.get(1).getInt("offset"));
        assertEquals(welcome.getString("epoch"), got.get(1).getString("epoch"));
        assertFalse(got.get(2).containsKey("offset"), "a transient notice is not kept");
        assertFalse(got.get(3).containsKey("offset"), "nor is a notice to all");
        FakeTransport later = new FakeTransport();
        b.connect("alice", later);
        assertEquals(2, later.frames().get(0).getInt("offset"), "the stream's last offset");
    }

    @Test
    void aClientThatReconnectsToTheOtherNodeIsReplayedWhatItMissedInOrderOnceThenLiveOnes() throws Exception {
        FakeTransport first = new FakeTransport();
        SessionSender s = a.connect("alice", first);
        b.send(notice(Recipient.user("alice"), "seen"));
        await().atMost(Duration.ofSeconds(5)).until(() -> first.notices().size() == 1);
        History.Position held = new History.Position(first.notices().get(0).getString("epoch"), 1);
        a.disconnect(s, 1006);
        for (int i = 0; i < 50; i++) {
            a.send(notice(Recipient.user("alice"), "missed" + i));
        }
        // Notices keep coming while she reconnects: none may fall between the replay and the live ones.
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Thread sender = new Thread(() -> {
            while (sending.get()) {
                a.send(notice(Recipient.user("alice"), "live" + sent.getAndIncrement()));
            }
        });
        sender.start();
        FakeTransport back = new FakeTransport();
        b.connect("alice", back, held);
        await().atMost(Duration.ofSeconds(5)).until(() -> back.notices().size() > 60);
        sending.set(false);
        sender.join();
        long last = 1 + 50 + sent.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> back.notices().size() == last - 1);
        JsonObject welcome = back.frames().get(0);
        assertTrue(welcome.getBoolean("recovered"));
        assertEquals(held.epoch(), welcome.getString("epoch"));
        List<Long> offsets = back.notices().stream().map(n -> n.getJsonNumber("offset").longValue()).toList();
        List<Long> expected = java.util.stream.LongStream.rangeClosed(2, last).boxed().toList();
        assertEquals(expected, offsets, "every notice after her position, in order, none twice");
        assertEquals("missed0", back.notices().get(0).getString("event"));
    }

    @Test
    void aPositionOfAnotherEpochOrPastTheReplayLimitIsNotRecoveredAndNothingIsReplayed() {
        FakeTransport alice = new FakeTransport();
        a.connect("alice", alice);
        String epoch = alice.frames().get(0).getString("epoch");
        for (int i = 0; i < 3; i++) {
            a.send(notice(Recipient.user("alice"), "n" + i));
        }
        FakeTransport other = new FakeTransport();
        b.connect("alice", other, new History.Position("elsewhere", 1));
        JsonObject welcome = other.frames().get(0);
        assertFalse(welcome.getBoolean("recovered"));
        assertEquals(new History.Position(epoch, 3), positionOf(welcome));
        FakeTransport far = new FakeTransport();
        Node small = startNode("small", Map.of("herald.history.replay-max", "2"));
        small.connect("alice", far, new History.Position(epoch, 0));
        assertFalse(far.frames().get(0).getBoolean("recovered"), "3 to replay, past the limit of 2");
        FakeTransport near = new FakeTransport();
        small.connect("alice", near, new History.Position(epoch, 1));
        assertTrue(near.frames().get(0).getBoolean("recovered"), "2 is within the limit");
        barrier("marker", other, far, near);
        assertEquals(List.of("marker"), events(other));
        assertEquals(List.of("marker"), events(far));
        assertEquals(List.of("n1", "n2", "marker"), events(near));
    }

    @Test
    void aSubscribeWithSinceAnswersWithThePositionThenReplaysTheChannelsMissedNoticesThenLiveOnes() {
        FakeTransport alice = new FakeTransport();
        SessionSender s = a.connect("alice", alice);
        subscribe(a, s, alice, "room:h1");
        JsonObject subscribed = alice.frames().stream().filter(f -> "subscribed".equals(f.getString("type")))
                .findFirst().orElseThrow();
        assertFalse(subscribed.containsKey("recovered"));
        History.Position start = positionOf(subscribed);
        for (int i = 0; i < 5; i++) {
            b.send(notice(Recipient.channel("room:h1"), "c" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> offsets(alice, "room:h1").size() == 5);
        History.Position held = new History.Position(start.epoch(), start.offset() + 2);
        FakeTransport back = new FakeTransport();
        SessionSender again = b.connect("alice", back);
        b.receive(again, "{\"type\":\"subscribe\",\"channel\":\"room:h1\",\"ref\":\"r1\",\"since\":{\"epoch\":\""
                + held.epoch() + "\",\"offset\":" + held.offset() + "}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> offsets(back, "room:h1").size() == 3);
        a.send(notice(Recipient.channel("room:h1"), "live"));
        await().atMost(Duration.ofSeconds(5)).until(() -> offsets(back, "room:h1").size() == 4);
        List<JsonObject> frames = back.frames().stream().filter(f -> "room:h1".equals(f.getString("channel", null)))
                .toList();
        assertEquals("subscribed", frames.get(0).getString("type"), "the answer comes before the channel's notices");
        assertTrue(frames.get(0).getBoolean("recovered"));
        assertEquals("r1", frames.get(0).getString("ref"));
        assertEquals(start.offset() + 5, frames.get(0).getInt("offset"));
        long o = start.offset();
        assertEquals(List.of(o + 3, o + 4, o + 5, o + 6), offsets(back, "room:h1"));
        assertEquals("live", back.notices().get(3).getString("event"));
    }

    @Test
    void aSessionThatMissesANoticeOfItsStreamIsClosedToResume() {
        FakeTransport alice = new FakeTransport();
        SessionSender s = a.connect("alice", alice);
        b.send(notice(Recipient.user("alice"), "one"));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 1);
        String epoch = alice.notices().get(0).getString("epoch");
        // As if the subscription had lost offset 2: offset 3 comes next.
        a.router().route("{\"v\":2,\"to\":{\"user\":\"alice\"}}\n{\"type\":\"notice\",\"offset\":3,\"epoch\":\""
                + epoch + "\",\"id\":\"x\",\"event\":\"three\",\"data\":1,\"ts\":1}");
        assertEquals(SessionSender.CLOSE_RESUME, alice.closeCode());
        FakeTransport other = new FakeTransport();
        SessionSender o = a.connect("bob", other);
        b.send(notice(Recipient.user("bob"), "one"));
        await().atMost(Duration.ofSeconds(5)).until(() -> other.notices().size() == 1);
        String bobs = other.notices().get(0).getString("epoch");
        a.router().route("{\"v\":2,\"to\":{\"user\":\"bob\"}}\n{\"type\":\"notice\",\"offset\":2,\"epoch\":\"new"
                + bobs + "\",\"id\":\"x\",\"event\":\"two\",\"data\":1,\"ts\":1}");
        assertEquals(SessionSender.CLOSE_RESUME, other.closeCode(), "its stream's history was lost");
        assertTrue(s.isClosed() && o.isClosed());
    }

    @Test
    void anInboxConnectionGetsWhatCameWhileTheUserWasAwayAndAnAckMovesTheCursorForEveryDevice() {
        for (int i = 0; i < 3; i++) {
            a.send(notice(Recipient.user("ivy"), "offline" + i)); // no session anywhere
        }
        FakeTransport phone = new FakeTransport();
        SessionSender s = b.connect("ivy", phone, new Resume(null, true));
        JsonObject welcome = phone.frames().get(0);
        assertEquals(3, welcome.getInt("unread"));
        assertEquals(3, welcome.getInt("offset"));
        await().atMost(Duration.ofSeconds(5)).until(() -> phone.notices().size() == 3);
        assertEquals(List.of("offline0", "offline1", "offline2"), events(phone));
        b.receive(s, "{\"type\":\"ack\",\"offset\":2,\"ref\":\"k\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> phone.frames().stream()
                .anyMatch(f -> "acked".equals(f.getString("type")) && f.getInt("offset") == 2 && "k".equals(f.getString("ref"))));
        assertEquals(new dev.herald.Inbox.State("ivy", welcome.getString("epoch"), 3, 2, 1), a.inbox().state("ivy"));
        FakeTransport laptop = new FakeTransport();
        a.connect("ivy", laptop, new Resume(null, true));
        await().atMost(Duration.ofSeconds(5)).until(() -> laptop.notices().size() == 1);
        assertEquals(List.of("offline2"), events(laptop), "the other device sees only what is unread");
        b.receive(s, "{\"type\":\"ack\",\"offset\":9}");
        await().atMost(Duration.ofSeconds(5)).until(() -> phone.frames().stream()
                .anyMatch(f -> "error".equals(f.getString("type")) && "bad_offset".equals(f.getString("code"))));
        assertEquals(3, a.inbox().markRead("ivy", 3).read());
        assertEquals(0, a.inbox().state("ivy").unread());
        FakeTransport since = new FakeTransport();
        a.connect("ivy", since, new Resume(new History.Position(welcome.getString("epoch"), 1), true));
        assertTrue(since.frames().get(0).getBoolean("recovered"), "since wins over inbox");
        await().atMost(Duration.ofSeconds(5)).until(() -> since.notices().size() == 2);
    }

    @Test
    void aNoticeOfBytesReachesItsSessionsAsBase64BesideItsDataAndIsKeptLikeAnyOther() {
        FakeTransport alice = new FakeTransport();
        a.connect("alice", alice);
        byte[] bytes = {0, 1, (byte) 0xff, (byte) 0x80, 42};
        b.send(Notice.ofBytes(Recipient.user("alice"), "blob", bytes));
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.notices().size() == 1);
        JsonObject got = alice.notices().get(0);
        assertEquals("AAH/gCo=", got.getString("data_b64"));
        assertEquals(jakarta.json.JsonValue.NULL, got.get("data"));
        assertEquals(1, got.getInt("offset"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, java.util.Base64.getDecoder().decode(got.getString("data_b64")));
    }
}
