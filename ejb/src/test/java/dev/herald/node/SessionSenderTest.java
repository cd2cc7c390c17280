package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.testing.FakeTransport;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SessionSenderTest {

    private static String frame(int i) {
        return "{\"type\":\"notice\",\"event\":\"e" + i + "\"}";
    }

    @Test
    void sendsOneFrameAtOnceWhenIdle() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 10, Runnable::run);
        assertTrue(s.offer(frame(1)));
        assertEquals(List.of(frame(1)), t.texts());
        assertEquals(0, s.queued());
    }

    @Test
    void sendsFramesThatWaitedTogetherAsOneJsonArrayInOrder() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 10, Runnable::run);
        t.hold();
        s.offer(frame(1));
        s.offer(frame(2));
        s.offer(frame(3));
        assertEquals(List.of(frame(1)), t.texts(), "one send in flight at a time");
        t.release();
        assertEquals(List.of(frame(1), "[" + frame(2) + "," + frame(3) + "]"), t.texts());
        assertEquals(List.of("e1", "e2", "e3"), t.frames().stream().map(f -> f.getString("event")).toList());
    }

    @Test
    void closesTheSessionWithTooSlowWhenMoreThanTheLimitWait() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 3, Runnable::run);
        t.hold();
        s.offer(frame(0)); // in flight
        for (int i = 1; i <= 3; i++) {
            assertTrue(s.offer(frame(i)));
        }
        assertFalse(s.offer(frame(4)), "the fourth waiting frame is over the limit");
        assertEquals(SessionSender.CLOSE_TOO_SLOW, t.closeCode());
        assertTrue(s.isClosed());
        assertFalse(s.offer(frame(5)));
    }

    @Test
    void closesTheSessionWithTooSlowWhenAFrameFindsTheBufferLimitReached() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 1000, 100, Runnable::run, false);
        t.hold();
        s.offer(frame(0)); // in flight, not counted
        assertTrue(s.offer("x".repeat(60)));
        assertTrue(s.offer("y".repeat(60)), "60 characters waiting: under the limit of 100");
        assertFalse(s.offer("z"), "120 characters waiting: the limit is reached");
        assertEquals(SessionSender.CLOSE_TOO_SLOW, t.closeCode());
    }

    @Test
    void letsAWholeBurstInOnceItsFirstFrameIsLetInAndDeliversItInOrder() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 3, 100, Runnable::run, false);
        t.hold();
        for (int i = 0; i < 50; i++) {
            assertTrue(s.offer(frame(i), 7), "frame " + i + " of one burst");
        }
        assertEquals(0, t.closeCode());
        t.release();
        assertEquals(50, t.frames().size());
        assertEquals("e49", t.frames().get(49).getString("event"));
    }

    @Test
    void closesTheSessionWhenTheFirstFrameOfABurstFindsTheLastBurstStillWaiting() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 3, 10_000, Runnable::run, false);
        t.hold();
        for (int i = 0; i < 10; i++) {
            s.offer(frame(i), 1);
        }
        assertFalse(s.offer(frame(10), 2), "9 frames of the last burst still wait: the client does not read");
        assertEquals(SessionSender.CLOSE_TOO_SLOW, t.closeCode());
    }

    @Test
    void answersToTheClientsOwnFramesCountTowardTheCharacterLimitOnly() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 3, 1000, Runnable::run, false);
        t.hold();
        String error = "{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"x\"}";
        int replies = 0;
        while (s.reply(error)) {
            replies++;
            if (replies == 10) {
                assertTrue(s.offer(frame(1), 1), "ten answers wait, but no notice: the frame limit (3) is not reached");
            }
        }
        assertEquals(SessionSender.CLOSE_TOO_SLOW, t.closeCode());
        assertTrue(replies > 3, "more answers than the frame limit: " + replies);
    }

    @Test
    void pongsAreACountSentAfterWhatWaitsAndHoldNoMemoryForAClientThatDoesNotRead() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 3, 100, Runnable::run, false);
        t.hold();
        s.offer(frame(0), 1); // in flight
        for (int i = 0; i < 100_000; i++) {
            s.pong();
        }
        assertTrue(s.offer(frame(1), 2), "100,000 pongs owed take neither the frame nor the character limit");
        assertEquals(0, t.closeCode());
        t.release();
        List<String> types = t.frames().stream().map(f -> f.getString("type")).toList();
        assertEquals(100_002, types.size());
        assertEquals(List.of("notice", "notice", "pong"), types.subList(0, 3), "the pongs follow what waited");
        assertEquals(100_000, types.stream().filter("pong"::equals).count());
    }

    @Test
    void aHeldSenderSendsNothingUntilStartedAndThenItsFirstFrameFirst() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 10, 10_000, Runnable::run, true);
        s.offer("{\"type\":\"welcome\"}");
        s.offer(frame(1), 5);
        s.reply("{\"type\":\"pong\"}");
        assertEquals(List.of(), t.texts());
        assertEquals(0, s.stalledNanos(), "nothing in flight while held");
        s.start();
        assertEquals(List.of("welcome", "notice", "pong"), t.frames().stream().map(f -> f.getString("type")).toList());
    }

    @Test
    void reportsHowLongTheSendInFlightHasTaken() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 10, Runnable::run);
        assertEquals(0, s.stalledNanos());
        t.hold();
        s.offer(frame(1));
        assertTrue(s.stalledNanos() > 0);
        t.release();
        assertEquals(0, s.stalledNanos());
    }

    @Test
    void closesTheSessionWhenASendFails() {
        FakeTransport failing = new FakeTransport() {
            @Override
            public void send(String text, Consumer<Throwable> done) {
                done.accept(new java.io.IOException("broken pipe"));
            }
        };
        SessionSender s = new SessionSender("n.1", "alice", failing, 10, Runnable::run);
        s.offer(frame(1));
        assertTrue(s.isClosed());
        assertEquals(1011, failing.closeCode());
    }

    @Test
    void manyCompletionsOnTheSendingThreadDoNotGrowTheStack() {
        int[] sends = new int[1];
        FakeTransport t = new FakeTransport() {
            @Override
            public void send(String text, Consumer<Throwable> done) {
                sends[0]++;
                done.accept(null);
            }
        };
        SessionSender s = new SessionSender("n.1", "alice", t, 1_000_000, Runnable::run);
        for (int i = 0; i < 200_000; i++) {
            s.offer(frame(i));
        }
        assertEquals(200_000, sends[0]);
        assertEquals(0, s.queued());
    }

    @Test
    void closingTwiceClosesTheTransportOnce() {
        int[] closes = new int[1];
        FakeTransport t = new FakeTransport() {
            @Override
            public void close(int code, String reason) {
                closes[0]++;
            }
        };
        SessionSender s = new SessionSender("n.1", "alice", t, 10, Runnable::run);
        s.close(1001, "bye");
        s.close(1001, "bye");
        assertEquals(1, closes[0]);
    }

    private static String kept(long offset, String epoch) {
        return "{\"type\":\"notice\",\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\",\"id\":\"i" + offset
                + "\",\"event\":\"e\",\"data\":" + offset + ",\"ts\":1}";
    }

    @Test
    void whatArrivesWhileConnectingFollowsTheWelcomeAndTheReplayWithNoGapAndNoDuplicate() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 100, Long.MAX_VALUE, Runnable::run);
        s.offer("{\"type\":\"notice\",\"id\":\"all\",\"event\":\"e\",\"data\":0,\"ts\":1}", 1); // not kept
        for (long o = 3; o <= 5; o++) {
            assertTrue(s.offerKept(s.userCursor(), kept(o, "E"), o, "E", 2, false));
        }
        assertEquals(List.of(), t.texts(), "nothing goes before the welcome");
        s.resumeUser("{\"type\":\"welcome\"}", new dev.herald.engine.History.Position("E", 4),
                List.of(kept(2, "E"), kept(3, "E"), kept(4, "E")), 3);
        s.start();
        s.offerKept(s.userCursor(), kept(5, "E"), 5, "E", 4, false); // a copy: dropped
        s.offerKept(s.userCursor(), kept(6, "E"), 6, "E", 5, false);
        List<String> order = t.frames().stream().map(f -> f.getString("type") + f.getInt("data", -1)).toList();
        assertEquals(List.of("welcome-1", "notice2", "notice3", "notice4", "notice0", "notice5", "notice6"), order);
        assertFalse(s.isClosed());
        s.offerKept(s.userCursor(), kept(8, "E"), 8, "E", 6, false);
        assertEquals(SessionSender.CLOSE_RESUME, t.closeCode(), "7 was missed: resume");
    }

    @Test
    void anUrgentFrameGoesAheadOfTheNormalFramesWaitingButNotOfTheUrgentOnes() {
        FakeTransport t = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", t, 10, Runnable::run);
        t.hold();
        s.offer(frame(0)); // in flight
        s.offer(frame(1));
        s.offer(frame(2));
        s.offer(frame(3), 0, true);
        s.offer(frame(4), 0, true);
        t.release();
        List<String> order = t.frames().stream().map(f -> f.getString("event")).toList();
        assertEquals(List.of("e0", "e3", "e4", "e1", "e2"), order);
    }
}
