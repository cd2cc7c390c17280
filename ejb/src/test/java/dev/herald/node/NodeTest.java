package dev.herald.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Engine;
import dev.herald.engine.MemoryBroker;
import dev.herald.engine.MemorySessionRegistry;
import dev.herald.engine.NoticeCodec;
import dev.herald.engine.SessionRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import dev.herald.testing.FakeTransport;
import jakarta.json.Json;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Single-node behaviour that needs no second node: connect failures, client frames, size limits. */
class NodeTest {

    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(1);
    private final MemorySessionRegistry registry = new MemorySessionRegistry();
    private volatile boolean registryDown;
    /** Runs inside each register call, before the entry is written: what happens while a session registers. */
    private volatile Runnable whileRegistering = () -> { };
    private final AtomicInteger registerAllAttempts = new AtomicInteger();
    private final SessionRegistry flaky = new SessionRegistry() {
        @Override
        public void register(String nodeId, String user, String sessionId) {
            whileRegistering.run();
            failIfDown();
            registry.register(nodeId, user, sessionId);
        }

        private void failIfDown() {
            if (registryDown) {
                throw new HeraldUnavailableException("Redis down (test)", null);
            }
        }

        @Override
        public void registerAll(String nodeId, Map<String, String> sessions) {
            registerAllAttempts.incrementAndGet();
            failIfDown();
            registry.registerAll(nodeId, sessions);
        }

        @Override
        public void unregister(String nodeId, String user, String sessionId) {
            failIfDown();
            registry.unregister(nodeId, user, sessionId);
        }

        @Override
        public void unregisterAll(String nodeId, Map<String, String> sessions) {
            registry.unregisterAll(nodeId, sessions);
        }

        @Override
        public Map<String, String> sessionsOn(String nodeId) {
            return registry.sessionsOn(nodeId);
        }

        @Override
        public Map<String, String> sessionsOf(String user) {
            return registry.sessionsOf(user);
        }

        @Override
        public boolean heartbeat(String nodeId, int ttlMillis) {
            return registry.heartbeat(nodeId, ttlMillis);
        }

        @Override
        public List<String> purgeDeadNodes() {
            return registry.purgeDeadNodes();
        }

        @Override
        public void removeNode(String nodeId) {
            registry.removeNode(nodeId);
        }

        @Override
        public List<String> liveNodes() {
            return registry.liveNodes();
        }
    };
    private final Node node = new Node(HeraldConfig.from(Map.of("herald.notice.max-bytes", "200",
            "herald.ws.ping-interval", "100", "herald.ws.idle-timeout", "1000", "herald.node.heartbeat", "50",
            "herald.node.ttl", "200", "herald.session.send-timeout", "300")::get),
            new Engine(new MemoryBroker(flaky), flaky, "memory", () -> { }), Thread::new, pool, Runnable::run);

    @AfterEach
    void stop() {
        node.close();
        pool.shutdownNow();
    }

    @Test
    void pingsEverySessionAtThePingInterval() {
        node.start();
        FakeTransport t = new FakeTransport();
        node.connect("alice", t);
        await().atMost(Duration.ofSeconds(5)).until(() -> t.pings() >= 2);
    }

    @Test
    void spreadsEachPingRoundOverTheIntervalAndPingsEverySessionOncePerRound() {
        Node spread = new Node(HeraldConfig.from(Map.of("herald.ws.ping-interval", "1000",
                "herald.ws.idle-timeout", "60000")::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), Thread::new, pool, Runnable::run);
        try {
            spread.start();
            long start = System.nanoTime();
            List<long[]> firstPings = new java.util.ArrayList<>();
            List<FakeTransport> all = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                long[] first = {0};
                firstPings.add(first);
                FakeTransport t = new FakeTransport() {
                    @Override
                    public void ping() {
                        super.ping();
                        if (first[0] == 0 && pings() == 2) { // the first of the round; the one at connect is 1
                            first[0] = System.nanoTime() - start;
                        }
                    }
                };
                all.add(t);
                spread.connect("user" + i, t);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> all.stream().allMatch(t -> t.pings() >= 2));
            long earliest = firstPings.stream().mapToLong(f -> f[0]).min().orElseThrow();
            long latest = firstPings.stream().mapToLong(f -> f[0]).max().orElseThrow();
            assertTrue(latest - earliest >= 500_000_000L, "the first pings spread over at least half the interval, "
                    + "not one burst: " + (latest - earliest) / 1_000_000 + " ms");
            int pingsSoFar = all.stream().mapToInt(FakeTransport::pings).sum() - all.size();
            assertTrue(pingsSoFar <= 200, "about one ping per session per interval: " + pingsSoFar);
        } finally {
            spread.close();
        }
    }

    @Test
    void skipsThePingOfASessionWithTrafficBothWaysAndPingsItOnceTheTrafficStops() throws InterruptedException {
        Node busy = new Node(HeraldConfig.from(Map.of("herald.ws.ping-interval", "200",
                "herald.ws.idle-timeout", "5000")::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), Thread::new, pool, Runnable::run);
        try {
            busy.start();
            FakeTransport chatty = new FakeTransport();
            FakeTransport quiet = new FakeTransport();
            SessionSender talking = busy.connect("alice", chatty);
            SessionSender answering = busy.connect("bob", quiet);
            long until = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < until) {
                talking.heard(); // a client frame, as an app-level ping
                talking.offer("{\"type\":\"pong\"}"); // and the answer
                answering.heard(); // bob answers pings, and gets nothing else
                Thread.sleep(20);
            }
            assertEquals(1, chatty.pings(), "traffic both ways: no ping needed after the one at connect");
            assertTrue(quiet.pings() >= 4, "a session only heard from still gets its pings: " + quiet.pings());
            await().atMost(Duration.ofSeconds(5)).until(() -> chatty.pings() >= 2);
        } finally {
            busy.close();
        }
    }

    @Test
    void closesASessionNotHeardFromForTheIdleTimeoutAndKeepsOneThatAnswersPings() {
        node.start();
        FakeTransport silent = new FakeTransport();
        node.connect("alice", silent);
        SessionSender[] answering = new SessionSender[1];
        FakeTransport ponging = new FakeTransport() {
            @Override
            public void ping() {
                super.ping();
                if (answering[0] != null) {
                    answering[0].heard(); // as the endpoint does on a pong
                }
            }
        };
        answering[0] = node.connect("bob", ponging);
        await().atMost(Duration.ofSeconds(5)).until(() -> silent.closeCode() == Node.CLOSE_IDLE);
        assertEquals(0, ponging.closeCode());
        assertTrue(ponging.pings() >= 5);
    }

    @Test
    void registersItsSessionsAgainAfterTheRegistryLostThemEvenIfTheFirstAttemptFails() {
        node.start();
        SessionSender alice = node.connect("alice", new FakeTransport());
        registryDown = true;
        registry.removeNode(node.id()); // as a Redis restarted empty
        int before = registerAllAttempts.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> registerAllAttempts.get() >= before + 2);
        assertEquals(Map.of(), registry.sessionsOf("alice"));
        registryDown = false;
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.sessionsOf("alice").containsKey(alice.id()));
    }

    @Test
    void removesTheRegistryEntryOfASessionWhoseUnregisterFailed() {
        node.start();
        SessionSender gone = node.connect("alice", new FakeTransport());
        SessionSender stays = node.connect("alice", new FakeTransport());
        registryDown = true;
        node.disconnect(gone); // the unregister fails: a Redis blip
        registryDown = false;
        assertTrue(registry.sessionsOf("alice").containsKey(gone.id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> !registry.sessionsOf("alice").containsKey(gone.id()));
        assertTrue(registry.sessionsOf("alice").containsKey(stays.id()));
    }

    @Test
    void closesASessionWhoseSendStaysInFlightLongerThanTheSendTimeout() {
        node.start();
        FakeTransport stuck = new FakeTransport();
        stuck.hold();
        SessionSender s = node.connect("alice", stuck); // the welcome frame never completes
        await().atMost(Duration.ofSeconds(5)).until(() -> stuck.closeCode() == SessionSender.CLOSE_TOO_SLOW);
        assertTrue(s.isClosed());
    }

    @Test
    void refusesNewSessionsOnceStopped() {
        node.close();
        assertThrows(HeraldUnavailableException.class, () -> node.connect("alice", new FakeTransport()));
    }

    @Test
    void aSessionThatTheEngineCannotRegisterIsNotKeptLocallyEither() {
        registryDown = true;
        assertThrows(HeraldUnavailableException.class, () -> node.connect("alice", new FakeTransport()));
        assertEquals(0, node.hub().size());
    }

    @Test
    void answersPingAndReportsMalformedOrUnknownFramesWithAnErrorFrame() {
        FakeTransport t = new FakeTransport();
        SessionSender s = node.connect("alice", t);
        node.receive(s, "{\"type\":\"ping\"}");
        node.receive(s, "{oops");
        node.receive(s, "{\"type\":\"launch\"}");
        node.receive(s, "\"just a string\"");
        assertEquals(List.of("welcome", "pong", "error", "error", "error"),
                t.frames().stream().map(f -> f.getString("type")).toList());
        assertEquals("unknown_type", t.frames().get(3).getString("code"));
        assertTrue(!s.isClosed());
    }

    @Test
    void closesAConnectionWhoseAuthFrameDoesNotComeInTimeAndKeepsOneWhoseFrameCame() {
        Node waiting = new Node(HeraldConfig.from(Map.of("herald.ws.auth-timeout", "300")::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), Thread::new, pool, Runnable::run);
        try {
            waiting.start();
            List<String> silentClosed = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> authenticatedClosed = new java.util.concurrent.CopyOnWriteArrayList<>();
            Node.Connection silent = (code, reason) -> silentClosed.add(code + " " + reason);
            Node.Connection authenticated = (code, reason) -> authenticatedClosed.add(code + " " + reason);
            long start = System.nanoTime();
            waiting.awaitAuth(silent);
            waiting.awaitAuth(authenticated);
            assertTrue(waiting.authArrived(authenticated), "in time");
            await().atMost(Duration.ofSeconds(5)).until(() -> silentClosed.size() == 1);
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 300, "not before the timeout: " + waited + " ms");
            assertEquals("4401 unauthorized: no auth frame within 300 ms", silentClosed.get(0));
            assertEquals(false, waiting.authArrived(silent), "a frame after the timeout finds the wait over");
            await("closed once, and the authenticated one never").during(Duration.ofMillis(400))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> silentClosed.size() == 1 && authenticatedClosed.isEmpty());
        } finally {
            waiting.close();
        }
    }

    @Test
    void closesTheConnectionsStillWaitingForTheirAuthFrameWhenItStopsAndRefusesNewWaits() {
        node.start();
        List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Node.Connection pending = (code, reason) -> closed.add(code + " " + reason);
        node.awaitAuth(pending);
        node.close();
        assertEquals(List.of("1001 node shutting down"), closed);
        assertEquals(false, node.authArrived(pending), "no longer waited for");
        assertThrows(HeraldUnavailableException.class, () -> node.awaitAuth((code, reason) -> closed.add("late")));
        assertEquals(1, closed.size());
    }

    @Test
    void readsTheTokenOfAnAuthFrameAndSaysWhatIsWrongWithAnyOtherFirstFrame() {
        assertEquals("abc.def.ghi", node.authToken("{\"type\":\"auth\",\"token\":\"abc.def.ghi\"}"));
        for (String bad : List.of("not json", "[1]", "{\"type\":\"ping\"}", "{\"token\":\"abc\"}")) {
            InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> node.authToken(bad), bad);
            assertTrue(e.getMessage().startsWith("the first frame must be {\"type\":\"auth\""), e.getMessage());
        }
        InvalidNoticeException noToken = assertThrows(InvalidNoticeException.class,
                () -> node.authToken("{\"type\":\"auth\",\"token\":42}"));
        assertEquals("the auth frame has no string 'token'", noToken.getMessage());
    }

    @Test
    void answersASecondAuthFrameWithAnErrorAndKeepsTheConnection() {
        FakeTransport t = new FakeTransport();
        SessionSender s = node.connect("alice", t);
        node.receive(s, "{\"type\":\"auth\",\"token\":\"x\"}");
        assertEquals(List.of("welcome", "error"), t.frames().stream().map(f -> f.getString("type")).toList());
        assertEquals("bad_frame", t.frames().get(1).getString("code"));
        assertTrue(t.frames().get(1).getString("message").contains("already authenticated"));
        assertTrue(!s.isClosed());
    }

    @Test
    void refusesANoticeLargerThanTheConfiguredMaximumAndSendsNothing() {
        FakeTransport t = new FakeTransport();
        node.connect("alice", t);
        Notice big = new Notice(Recipient.user("alice"), "big", Json.createValue("x".repeat(300)));
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> node.send(big));
        assertTrue(e.getMessage().contains("herald.notice.max-bytes"), e.getMessage());
        assertThrows(InvalidNoticeException.class, () -> node.sendAll(List.of(
                new Notice(Recipient.user("alice"), "small", null), big)));
        assertEquals(0, t.notices().size(), "nothing of a refused batch was sent");
    }

    @Test
    void registersASessionBeforeItsWelcomeLeavesAndSendsTheWelcomeFirst() {
        FakeTransport t = new FakeTransport();
        List<String> sentWhileRegistering = new java.util.ArrayList<>();
        whileRegistering = () -> {
            sentWhileRegistering.addAll(t.texts());
            node.router().route(node.codec().encode(new dev.herald.engine.Envelope("x-1", 1L, Recipient.all(),
                    "during.registration", Json.createValue(1))));
        };
        SessionSender s = node.connect("alice", t);
        assertEquals(List.of(), sentWhileRegistering, "nothing leaves before the session is registered");
        assertEquals(List.of("welcome", "notice"), t.frames().stream().map(f -> f.getString("type")).toList());
        assertEquals(s.id(), t.frames().get(0).getString("session"));
    }

    @Test
    void aServerSideSubscribeThatReachesASessionWhileItConnectsIsAnsweredAfterItsWelcome() throws Exception {
        node.start();
        assertTrue(node.awaitSubscribed(5, java.util.concurrent.TimeUnit.SECONDS));
        FakeTransport t = new FakeTransport();
        whileRegistering = () -> node.router().route(node.codec().encode(
                new NoticeCodec.Control(true, "alice", "room:a")));
        node.connect("alice", t);
        whileRegistering = () -> { };
        await().atMost(Duration.ofSeconds(5)).until(() -> t.frames().size() >= 2);
        assertEquals(List.of("welcome", "subscribed"), t.frames().stream().map(f -> f.getString("type")).toList());
        assertEquals("room:a", t.frames().get(1).getString("channel"));
        node.send(new Notice(Recipient.channel("room:a"), "e", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> t.notices().size() == 1);
        assertEquals(1, t.notices().get(0).getJsonNumber("offset").longValue(), "the channel's stream from its start");
    }

    @Test
    void aServerSideUnsubscribeThatReachesASessionWhileItConnectsIsAnsweredAfterItsWelcome() {
        FakeTransport t = new FakeTransport();
        whileRegistering = () -> node.router().route(node.codec().encode(
                new NoticeCodec.Control(false, "alice", "room:a")));
        node.connect("alice", t);
        whileRegistering = () -> { };
        await().atMost(Duration.ofSeconds(5)).until(() -> t.frames().size() >= 2);
        assertEquals(List.of("welcome", "unsubscribed"), t.frames().stream().map(f -> f.getString("type")).toList());
    }

    @Test
    void aDrainingNodeRefusesNewSessionsAndClosesItsOwnWith1001SpreadOverTheGivenTime() {
        List<FakeTransport> clients = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            FakeTransport t = new FakeTransport();
            node.connect("user" + i, t);
            clients.add(t);
        }
        long start = System.nanoTime();
        assertEquals(6, node.drain(600));
        assertTrue(node.isDraining());
        assertEquals(0, node.drain(600), "draining again closes nothing more");
        assertThrows(HeraldUnavailableException.class, () -> node.connect("late", new FakeTransport()));
        long closedAtOnce = clients.stream().filter(c -> c.closeCode() != 0).count();
        assertTrue(closedAtOnce >= 1 && closedAtOnce < 6, "spread, not all at once: " + closedAtOnce);
        await().atMost(Duration.ofSeconds(5)).until(() -> clients.stream().allMatch(c -> c.closeCode() == 1001));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 400, "the last closed after " + millis + " ms");
        node.undrain();
        assertTrue(!node.isDraining());
        node.connect("late", new FakeTransport());
    }

    @Test
    void aSessionThatTheEngineCannotRegisterGetsNoWelcome() {
        FakeTransport t = new FakeTransport();
        registryDown = true;
        assertThrows(HeraldUnavailableException.class, () -> node.connect("alice", t));
        assertEquals(List.of(), t.texts());
    }

    @Test
    void aClientThatClosesWhileItsSessionRegistersEndsUnregisteredThoughNoCloseWasReported() {
        FakeTransport t = new FakeTransport();
        whileRegistering = t::closeByClient;
        SessionSender s = node.connect("alice", t);
        assertEquals(0, node.hub().size());
        assertEquals(Map.of(), registry.sessionsOf("alice"));
        assertEquals(List.of(), t.texts(), "no welcome to a closed connection");
        assertTrue(!registry.sessionsOn(node.id()).containsKey(s.id()));
    }

    @Test
    void forgetsASessionWhoseConnectionClosedWithoutTheContainerReportingIt() {
        node.start();
        FakeTransport t = new FakeTransport();
        SessionSender s = node.connect("alice", t);
        assertTrue(registry.sessionsOf("alice").containsKey(s.id()));
        t.closeByClient();
        await().atMost(Duration.ofSeconds(5)).until(() -> node.hub().size() == 0
                && registry.sessionsOf("alice").isEmpty());
    }

    @Test
    void answersTenThousandPipelinedPingsOfAClientThatReadsThemLateWithoutClosingIt() {
        FakeTransport t = new FakeTransport();
        SessionSender s = node.connect("alice", t);
        t.hold(); // the container completes no send while it reads the client's frames
        for (int i = 0; i < 10_000; i++) {
            node.receive(s, "{\"type\":\"ping\"}");
        }
        assertEquals(0, t.closeCode(), "10,000 pongs wait: more frames than herald.session.queue-limit (1024)");
        t.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> t.frames().stream()
                .filter(f -> "pong".equals(f.getString("type"))).count() == 10_000);
    }

    @Test
    void answersAFramePastHeraldsJsonLimitsWithBadFrameAndKeepsTheConnection() {
        FakeTransport t = new FakeTransport();
        SessionSender s = node.connect("alice", t);
        node.receive(s, "{\"type\":\"ping\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}");
        node.receive(s, "{\"type\":\"ping\",\"n\":" + "7".repeat(5000) + "}");
        node.receive(s, "[".repeat(100_000));
        node.receive(s, "{\"type\":\"ping\"}");
        List<jakarta.json.JsonObject> frames = t.frames();
        assertEquals(List.of("welcome", "error", "error", "error", "pong"),
                frames.stream().map(f -> f.getString("type")).toList());
        for (jakarta.json.JsonObject error : frames.subList(1, 4)) {
            assertEquals("bad_frame", error.getString("code"));
            assertTrue(!error.getString("message").contains("Exception"), error.getString("message"));
        }
        assertEquals("frame is nested more than 64 levels deep", frames.get(1).getString("message"));
        assertEquals("frame holds a number longer than 100 characters", frames.get(2).getString("message"));
        assertTrue(!s.isClosed());
    }

    @Test
    void anAuthFramePastTheJsonLimitsIsRefusedLikeAnyBadFirstFrame() {
        InvalidNoticeException e = assertThrows(InvalidNoticeException.class, () -> node.authToken(
                "{\"type\":\"auth\",\"token\":\"x\",\"pad\":" + "[".repeat(1000) + "]".repeat(1000) + "}"));
        assertTrue(e.getMessage().startsWith("the first frame must be"), e.getMessage());
    }

    @Test
    void closesANewSessionThatAnswersNeitherItsFirstPingNorAnythingWithinTheAuthTimeoutAndKeepsOneThatDoes() {
        Node probing = new Node(HeraldConfig.from(Map.of("herald.ws.auth-timeout", "300",
                "herald.ws.ping-interval", "200", "herald.ws.idle-timeout", "60000")::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), Thread::new, pool, Runnable::run);
        try {
            probing.start();
            FakeTransport gone = new FakeTransport(); // a connection that ended unreported while it registered
            SessionSender[] answering = new SessionSender[1];
            FakeTransport alive = new FakeTransport() {
                @Override
                public void ping() {
                    super.ping();
                    if (answering[0] != null) {
                        answering[0].heard(); // as the endpoint does on a pong
                    }
                }
            };
            long start = System.nanoTime();
            probing.connect("alice", gone);
            answering[0] = probing.connect("bob", alive);
            answering[0].heard(); // the pong to the ping after its welcome, which came before connect returned
            assertTrue(gone.pings() >= 1, "pinged right after its welcome");
            await().atMost(Duration.ofSeconds(5)).until(() -> gone.closeCode() == Node.CLOSE_IDLE);
            assertTrue((System.nanoTime() - start) / 1_000_000 >= 300, "not before the auth timeout");
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.sessionsOf("alice").isEmpty());
            await("the answering session stays").during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
                    .until(() -> alive.closeCode() == 0);
        } finally {
            probing.close();
        }
    }

    /** The error frames a transport got, as "code channel". */
    private static List<String> errors(FakeTransport t) {
        return t.frames().stream().filter(f -> "error".equals(f.getString("type")))
                .map(f -> f.getString("code") + " " + f.getString("channel", "-")).toList();
    }

    private Node channelNode(String maxChannels, dev.herald.ChannelAuthorizer authorizer) {
        return new Node(HeraldConfig.from(Map.of("herald.channels.open", "room:",
                "herald.session.max-channels", maxChannels)::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), authorizer, Thread::new, pool,
                Runnable::run);
    }

    @Test
    void refusesABadChannelNameBeforeAskingForPermissionAndAChannelThatIsNotOpenAndKeepsTheConnection() {
        Node n = channelNode("128", null);
        try {
            n.start();
            FakeTransport t = new FakeTransport();
            SessionSender s = n.connect("alice", t);
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"has space\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"secret:plans\"}");
            n.receive(s, "{\"type\":\"subscribe\"}");
            n.receive(s, "{\"type\":\"publish\",\"channel\":\"secret:plans\",\"event\":\"e\"}");
            n.receive(s, "{\"type\":\"publish\",\"channel\":\"room:x\",\"event\":\"bad event\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:x\"}");
            assertEquals(List.of("bad_channel has space", "forbidden secret:plans", "bad_channel -",
                    "forbidden secret:plans", "bad_frame room:x"), errors(t));
            assertEquals(1, t.frames().stream().filter(f -> "subscribed".equals(f.getString("type"))).count());
            assertTrue(!s.isClosed());
        } finally {
            n.close();
        }
    }

    @Test
    void refusesASubscriptionPastTheSessionsLimitAndAsksTheApplicationsAuthorizerWhichRefusesWhenItThrows() {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Node n = channelNode("2", (user, channel, action) -> {
            asked.add(user + " " + action + " " + channel);
            if (channel.startsWith("boom")) {
                throw new IllegalStateException("authorizer down");
            }
            return !channel.startsWith("room:"); // the application's rule, not herald.channels.open
        });
        try {
            n.start();
            FakeTransport t = new FakeTransport();
            SessionSender s = n.connect("alice", t);
            for (String channel : List.of("team:a", "team:b", "team:c", "room:x", "boom")) {
                n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
            }
            assertEquals(List.of("limit team:c", "forbidden room:x", "forbidden boom"), errors(t));
            assertEquals("alice SUBSCRIBE team:a", asked.get(0));
            n.receive(s, "{\"type\":\"unsubscribe\",\"channel\":\"team:a\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"team:c\"}");
            assertEquals(List.of("team:b", "team:c"), s.channels());
        } finally {
            n.close();
        }
    }

    @Test
    void everyAnswerToAFrameCarriesTheRefTheClientGaveItAndABadRefIsRefused() {
        Node n = channelNode("128", null);
        try {
            n.start();
            FakeTransport t = new FakeTransport();
            SessionSender s = n.connect("alice", t);
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:x\",\"ref\":\"r1\"}");
            n.receive(s, "{\"type\":\"publish\",\"channel\":\"room:x\",\"event\":\"e\",\"ref\":\"r2\"}");
            n.receive(s, "{\"type\":\"presence\",\"channel\":\"room:x\",\"ref\":\"r3\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"secret:x\",\"ref\":\"r4\"}");
            n.receive(s, "{\"type\":\"unsubscribe\",\"channel\":\"room:x\",\"ref\":\"r5\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:y\",\"ref\":7}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:y\",\"ref\":\"" + "r".repeat(65) + "\"}");
            n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:z\"}");
            List<String> answers = t.frames().stream().filter(f -> !"welcome".equals(f.getString("type"))
                    && !"notice".equals(f.getString("type")))
                    .map(f -> f.getString("type") + " " + f.getString("ref", "-")).toList();
            assertEquals(List.of("subscribed r1", "published r2", "presence r3", "error r4", "unsubscribed r5",
                    "error -", "error -", "subscribed -"), answers);
            assertEquals(List.of("room:z"), s.channels(), "a frame with a bad ref is not carried out");
        } finally {
            n.close();
        }
    }

    @Test
    void aChannelPastThePresenceCapStopsAnnouncingAndAnAuthorizerThatFailsToSayAnnouncesNothing() {
        dev.herald.ChannelAuthorizer authorizer = new dev.herald.ChannelAuthorizer() {
            @Override
            public boolean allows(String user, String channel, Action action) {
                return true;
            }

            @Override
            public boolean announces(String channel) {
                if (channel.startsWith("boom:")) {
                    throw new IllegalStateException("authorizer down");
                }
                return false;
            }
        };
        Node n = new Node(HeraldConfig.from(Map.of("herald.channels.join-leave", "room:",
                "herald.presence.max-users", "2", "herald.channels.leave-grace", "0")::get),
                new Engine(new MemoryBroker(registry), registry, "memory", () -> { }), authorizer, Thread::new, pool,
                Runnable::run);
        try {
            n.start();
            FakeTransport watcher = new FakeTransport();
            SessionSender w = n.connect("watcher", watcher);
            n.receive(w, "{\"type\":\"subscribe\",\"channel\":\"room:big\"}");
            n.receive(w, "{\"type\":\"subscribe\",\"channel\":\"boom:x\"}");
            for (String user : List.of("u1", "u2", "u3")) {
                SessionSender s = n.connect(user, new FakeTransport());
                n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"room:big\"}");
                n.receive(s, "{\"type\":\"subscribe\",\"channel\":\"boom:x\"}");
            }
            n.send(new dev.herald.Notice(Recipient.channel("room:big"), "marker", jakarta.json.JsonValue.NULL));
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.notices().size() == 1);
            assertEquals(List.of("join room:big watcher", "join room:big u1"), watcher.frames().stream()
                    .filter(f -> "join".equals(f.getString("type")) || "leave".equals(f.getString("type")))
                    .map(f -> f.getString("type") + " " + f.getString("channel") + " " + f.getString("user")).toList(),
                    "joins while the channel has at most 2 users; none on boom:x, whose authorizer failed");
            assertEquals(2, watcher.frames().stream().filter(f -> "subscribed".equals(f.getString("type"))).count());
        } finally {
            n.close();
        }
    }
}
