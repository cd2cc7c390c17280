package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.Recipient;
import dev.herald.engine.Envelope;
import dev.herald.engine.NoticeCodec;
import dev.herald.testing.FakeTransport;
import jakarta.json.JsonValue;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Big messages leave the subscriber thread; order per session is kept. */
class FanOutTest {

    private final NoticeCodec codec = new NoticeCodec();
    private final Hub hub = new Hub();
    private final FanOut fanOut = new FanOut(2, Thread::new);
    private final NoticeRouter router = new NoticeRouter(codec, hub, control -> { }, fanOut);

    @AfterEach
    void stop() {
        fanOut.close();
    }

    /** A transport that records the thread of each send, and can block the first send on a latch. */
    private static final class Recording extends FakeTransport {
        final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;

        @Override
        public void send(String text, Consumer<Throwable> done) {
            threads.add(Thread.currentThread().getName());
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.send(text, done);
        }
    }

    private Recording session(String id, String user) {
        Recording t = new Recording();
        hub.add(new SessionSender(id, user, t, 100, Runnable::run));
        return t;
    }

    private String message(Recipient to, String event) {
        return codec.encode(new Envelope("id-" + event, 1L, to, event, JsonValue.NULL));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(5);
        }
    }

    @Test
    void smallMessagesStayOnTheSubscriberThreadAndBigOnesGoToTheFanOutThread() throws Exception {
        Recording a = session("n.1", "alice");
        session("n.2", "bob");
        session("n.3", "carol");
        router.route(message(Recipient.user("alice"), "small"));
        assertEquals(List.of(Thread.currentThread().getName()), a.threads, "a user notice is delivered inline");
        router.route(message(Recipient.all(), "big"));
        await(() -> a.notices().size() == 2);
        assertEquals("herald-fanout", a.threads.get(1));
        assertEquals(1, router.fannedOut());
    }

    @Test
    void aBatchOfUserNoticesStaysOnTheSubscriberThreadHoweverManyItHolds() {
        Recording a = session("n.1", "alice");
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 5; i++) { // more notices than inlineMax (2): each makes one frame, none is a room
            if (i > 0) {
                batch.append('\n');
            }
            batch.append(codec.encodeFramed(Recipient.user("alice"), codec.frame("id-" + i, 1L, "e" + i, "null")));
        }
        router.route(batch.toString());
        assertEquals(5, a.notices().size());
        assertEquals(0, router.fannedOut());
    }

    @Test
    void aSlowBigDeliveryHoldsUpNeitherTheSubscriberNorTheOrderOfLaterMessages() throws Exception {
        Recording a = session("n.1", "alice");
        session("n.2", "bob");
        session("n.3", "carol");
        CountDownLatch gate = new CountDownLatch(1);
        a.gate = gate;
        router.route(message(Recipient.all(), "big")); // blocks in alice's send on the fan-out thread
        router.route(message(Recipient.user("alice"), "after")); // returns at once: queued behind the big one
        assertEquals(2, router.fannedOut(), "a message behind a pending big one goes the same way");
        gate.countDown();
        a.gate = null;
        await(() -> a.notices().size() == 2);
        assertEquals(List.of("big", "after"), a.notices().stream().map(n -> n.getString("event")).toList());
        await(() -> fanOut.pending() == 0);
        router.route(message(Recipient.user("alice"), "later"));
        assertEquals(2, router.fannedOut(), "once nothing is pending, small messages are inline again");
    }

    @Test
    void nothingOfAChannelIsQueuedForASessionThatLeftIt() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 100, Runnable::run);
        hub.add(s);
        s.addChannel("room:a", 10, false);
        hub.join("room:a", s);
        // The router holds the members it read; the session leaves before the frame is offered.
        Collection<SessionSender> members = List.copyOf(hub.ofChannel("room:a"));
        s.removeChannel("room:a");
        for (SessionSender m : members) {
            m.offerOnChannel("room:a", "{\"type\":\"notice\"}", 0, null, 1, false);
        }
        assertEquals(0, t.notices().size());
    }
}
