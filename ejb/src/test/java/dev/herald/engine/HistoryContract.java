package dev.herald.engine;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.Recipient;
import dev.herald.engine.History.Position;
import dev.herald.engine.History.Read;
import dev.herald.engine.History.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every engine's streams must do, with the broker that appends to them; run against memory and Redis. A
 * node of the engine receives what is published, as a Herald node would.
 */
abstract class HistoryContract {

    static final Recipient ALICE = Recipient.user("alice");
    static final Recipient ROOM = Recipient.channel("room:h");

    /** An engine whose streams keep {@code retention}. */
    abstract Engine engine(Retention retention);

    /** Makes the engine lose everything, as a Redis that restarts empty. */
    abstract void forget(Engine engine);

    private final NoticeCodec codec = new NoticeCodec();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private Engine engine;
    private Thread node;

    /** An engine with a node "n1" receiving, that holds a session of alice and a subscriber of room:h. */
    Engine start(Retention retention) throws Exception {
        engine = engine(retention);
        CountDownLatch ready = new CountDownLatch(1);
        node = new Thread(() -> engine.broker().run("n1", received::add, ready::countDown));
        node.start();
        assertTrue(ready.await(5, SECONDS));
        engine.registry().register("n1", "alice", "n1.1");
        engine.broker().subscribe(ROOM.id()).toCompletableFuture().get(5, SECONDS);
        return engine;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (engine != null) {
            engine.close();
            node.join(5000);
        }
    }

    private Broker.Outgoing kept(Recipient to, String event) {
        return new Broker.Outgoing(to, codec.encodeKept(to, codec.frame("i-" + event, to, null, 1, event, "1")), true);
    }

    /** The frames of kept notices that reached the node for {@code to}, in order. */
    private List<NoticeCodec.Routed> receivedFor(Recipient to) {
        List<NoticeCodec.Routed> out = new ArrayList<>();
        for (String message : received) {
            for (NoticeCodec.Routed r : codec.route(message)) {
                if (r.to().equals(to)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private void awaitReceived(Recipient to, int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> receivedFor(to).size() == n);
    }

    @Test
    void aStreamWithNoNoticeHasOffsetZeroInAnEpochThatStays() throws Exception {
        History h = start(Retention.DEFAULT).history();
        Read first = h.read(ALICE, null, 100);
        assertEquals(0, first.top().offset());
        assertFalse(first.top().epoch().isEmpty());
        assertFalse(first.recovered(), "no position given: nothing to recover");
        Read again = h.read(ALICE, first.top(), 100);
        assertEquals(first.top(), again.top());
        assertTrue(again.recovered());
        assertEquals(List.of(), again.frames());
        assertNotEquals(first.top().epoch(), h.read(ROOM, null, 100).top().epoch(), "each stream has its own epoch");
    }

    @Test
    void keptNoticesAreNumberedFromOneAndReachNodesInOffsetOrderAsTheStreamHoldsThem() throws Exception {
        Engine e = start(Retention.DEFAULT);
        Position before = e.history().read(ALICE, null, 100).top();
        for (int i = 1; i <= 5; i++) {
            e.broker().publish(kept(ALICE, "n" + i));
        }
        List<Broker.Outgoing> mixed = new ArrayList<>();
        for (int i = 6; i <= 9; i++) {
            mixed.add(kept(ALICE, "n" + i));
            mixed.add(kept(ROOM, "r" + i));
        }
        e.broker().publishAll(mixed);
        awaitReceived(ALICE, 9);
        awaitReceived(ROOM, 4);
        List<NoticeCodec.Routed> toAlice = receivedFor(ALICE);
        for (int i = 0; i < 9; i++) {
            assertEquals(i + 1, toAlice.get(i).offset());
            assertEquals(before.epoch(), toAlice.get(i).epoch());
            assertTrue(toAlice.get(i).frame().contains("\"event\":\"n" + (i + 1) + "\""), toAlice.get(i).frame());
        }
        assertEquals(NoticeCodec.keptFrame(1, before.epoch(),
                codec.frame("i-n1", ALICE, null, 1, "n1", "1").substring(NoticeCodec.NOTICE_START.length())),
                toAlice.get(0).frame(), "the frame as NoticeCodec.keptFrame spells it");
        assertEquals(List.of(1L, 2L, 3L, 4L), receivedFor(ROOM).stream().map(NoticeCodec.Routed::offset).toList());

        Read all = e.history().read(ALICE, before, 100);
        assertTrue(all.recovered());
        assertEquals(new Position(before.epoch(), 9), all.top());
        assertEquals(toAlice.stream().map(NoticeCodec.Routed::frame).toList(), all.frames());
        Read tail = e.history().read(ALICE, new Position(before.epoch(), 7), 100);
        assertTrue(tail.recovered());
        assertEquals(toAlice.subList(7, 9).stream().map(NoticeCodec.Routed::frame).toList(), tail.frames());
    }

    @Test
    void aPositionOfAnotherEpochPastTheEndOrFartherBackThanTheLimitRecoversNothing() throws Exception {
        Engine e = start(Retention.DEFAULT);
        for (int i = 1; i <= 5; i++) {
            e.broker().publish(kept(ALICE, "n" + i));
        }
        Position top = e.history().read(ALICE, null, 100).top();
        assertEquals(5, top.offset());
        for (Position p : List.of(new Position("other", 2), new Position(top.epoch(), 6),
                new Position(top.epoch(), 1))) {
            Read r = e.history().read(ALICE, p, 3);
            assertFalse(r.recovered(), p.toString());
            assertEquals(List.of(), r.frames(), "never a partial replay");
            assertEquals(top, r.top());
        }
        assertEquals(3, e.history().read(ALICE, new Position(top.epoch(), 2), 3).frames().size(), "3 is within 3");
    }

    @Test
    void aStreamKeepsItsRetentionByCountAndAReaderFromBeforeItIsNotRecovered() throws Exception {
        Engine e = start(new Retention(5, 86_400_000L, 5, 86_400_000L));
        List<Broker.Outgoing> many = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            many.add(kept(ROOM, "n" + i));
        }
        e.broker().publishAll(many);
        Position top = e.history().read(ROOM, null, 1000).top();
        assertEquals(300, top.offset());
        assertFalse(e.history().read(ROOM, new Position(top.epoch(), 0), 1000).recovered(), "trimmed");
        Read last = e.history().read(ROOM, new Position(top.epoch(), 295), 1000);
        assertTrue(last.recovered(), "at least the last 5 are kept");
        assertEquals(5, last.frames().size());
        assertTrue(last.frames().get(4).contains("\"event\":\"n300\""));
    }

    @Test
    void aStreamKeepsItsRetentionByAge() throws Exception {
        Engine e = start(new Retention(1000, 300, 1000, 300));
        e.broker().publish(kept(ALICE, "old"));
        Position top = e.history().read(ALICE, null, 100).top();
        assertTrue(e.history().read(ALICE, new Position(top.epoch(), 0), 100).recovered());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !e.history().read(ALICE, new Position(top.epoch(), 0), 100).recovered());
        Read later = e.history().read(ALICE, top, 100);
        assertTrue(later.recovered(), "a reader with nothing to catch up loses nothing by age: " + later);
        assertEquals(top, later.top(), "the epoch outlives the notices");
    }

    @Test
    void anEngineThatLostEverythingStartsANewEpochAndRecoversNoOldPosition() throws Exception {
        Engine e = start(Retention.DEFAULT);
        e.broker().publish(kept(ALICE, "before"));
        Position top = e.history().read(ALICE, null, 100).top();
        forget(e);
        Read after = e.history().read(ALICE, top, 100);
        assertFalse(after.recovered());
        assertNotEquals(top.epoch(), after.top().epoch());
        assertEquals(0, after.top().offset());
        e.registry().register("n1", "alice", "n1.1");
        e.broker().publish(kept(ALICE, "after"));
        await().atMost(Duration.ofSeconds(5)).until(() -> receivedFor(ALICE).stream()
                .anyMatch(r -> r.offset() == 1 && r.epoch().equals(after.top().epoch())));
    }

    @Test
    void anInboxHoldsWhatFollowsTheUsersReadCursorWhichOnlyMovesOnAndStartsAgainWithANewEpoch() throws Exception {
        Engine e = start(Retention.DEFAULT);
        for (int i = 1; i <= 5; i++) {
            e.broker().publish(kept(ALICE, "n" + i));
        }
        History.Inbox all = e.history().inbox("alice", 100);
        assertEquals(0, all.read());
        assertEquals(5, all.unread(), "no cursor: every retained notice is unread");
        assertEquals(5, all.frames().size());
        String epoch = all.top().epoch();
        assertEquals(3, e.history().markRead("alice", epoch, 3));
        assertEquals(3, e.history().markRead("alice", null, 2), "a lower offset leaves the cursor");
        History.Inbox after = e.history().inbox("alice", 100);
        assertEquals(2, after.unread());
        assertTrue(after.frames().get(0).contains("\"event\":\"n4\""));
        History.Inbox newest = e.history().inbox("alice", 1);
        assertEquals(2, newest.unread(), "the count is whole");
        assertEquals(1, newest.frames().size(), "the frames are the newest, up to the limit");
        assertTrue(newest.frames().get(0).contains("\"event\":\"n5\""));
        assertThrows(dev.herald.InvalidNoticeException.class, () -> e.history().markRead("alice", epoch, 6));
        assertThrows(dev.herald.InvalidNoticeException.class, () -> e.history().markRead("alice", "other", 4));
        forget(e);
        e.registry().register("n1", "alice", "n1.1");
        e.broker().publish(kept(ALICE, "fresh"));
        History.Inbox fresh = e.history().inbox("alice", 100);
        assertEquals(0, fresh.read(), "a new epoch: its cursor starts again");
        assertEquals(1, fresh.unread());
    }

    @Test
    void anInboxCountsOnlyWhatTheStreamStillKeeps() throws Exception {
        Engine e = start(new Retention(5, 86_400_000L, 5, 86_400_000L));
        List<Broker.Outgoing> many = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            many.add(kept(ALICE, "n" + i));
        }
        e.broker().publishAll(many);
        History.Inbox inbox = e.history().inbox("alice", 1000);
        assertTrue(inbox.unread() >= 5 && inbox.unread() < 300, "only the retained: " + inbox.unread());
        assertEquals(inbox.unread(), inbox.frames().size());
        assertTrue(inbox.frames().get(inbox.frames().size() - 1).contains("\"event\":\"n300\""));
    }
}
