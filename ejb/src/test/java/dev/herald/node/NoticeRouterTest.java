package dev.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herald.Recipient;
import dev.herald.engine.Envelope;
import dev.herald.engine.NoticeCodec;
import dev.herald.testing.FakeTransport;
import jakarta.json.JsonValue;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class NoticeRouterTest {

    private final NoticeCodec codec = new NoticeCodec();
    private final Hub hub = new Hub();
    private final NoticeRouter router = new NoticeRouter(codec, hub);

    private SessionSender session(String id, String user, FakeTransport t) {
        SessionSender s = new SessionSender(id, user, t, 10, Runnable::run);
        hub.add(s);
        return s;
    }

    private String message(Recipient to, String event) {
        return codec.encode(new Envelope("id-" + event, 1L, to, event, JsonValue.NULL));
    }

    @Test
    void dropsMalformedMessagesAndKeepsRouting() {
        FakeTransport alice = new FakeTransport();
        session("n.1", "alice", alice);
        router.route("{not json");
        router.route(null);
        router.route("{\"v\":1,\"id\":\"x\",\"to\":{\"user\":\"alice\"},\"event\":\"bad event\"}");
        router.route(message(Recipient.user("alice"), "good"));
        assertEquals(3, router.dropped());
        assertEquals(List.of("good"), alice.notices().stream().map(n -> n.getString("event")).toList());
    }

    @Test
    void aFailingSessionIsClosedAndTheOthersStillGetTheNotice() {
        FakeTransport broken = new FakeTransport() {
            @Override
            public void send(String text, Consumer<Throwable> done) {
                throw new IllegalStateException("socket gone");
            }
        };
        FakeTransport fine = new FakeTransport();
        session("n.1", "alice", broken);
        session("n.2", "alice", fine);
        router.route(message(Recipient.user("alice"), "hello"));
        assertEquals(1011, broken.closeCode());
        assertEquals(1, fine.notices().size());
    }

    @Test
    void routesEachKindOfRecipientToItsLocalSessions() {
        FakeTransport a1 = new FakeTransport();
        FakeTransport a2 = new FakeTransport();
        FakeTransport b = new FakeTransport();
        session("n.1", "alice", a1);
        session("n.2", "alice", a2);
        session("n.3", "bob", b);
        router.route(message(Recipient.user("alice"), "u"));
        router.route(message(Recipient.session("n.3"), "s"));
        router.route(message(Recipient.all(), "all"));
        router.route(message(Recipient.session("n.99"), "gone"));
        assertEquals(List.of("u", "all"), a1.notices().stream().map(n -> n.getString("event")).toList());
        assertEquals(List.of("u", "all"), a2.notices().stream().map(n -> n.getString("event")).toList());
        assertEquals(List.of("s", "all"), b.notices().stream().map(n -> n.getString("event")).toList());
    }

    private static final String ALL = "{\"v\":2,\"to\":{\"all\":true}}\n";

    /** Log records of the router, kept while a test runs. */
    private static List<java.util.logging.LogRecord> recordRouterLog(Runnable test) {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(NoticeRouter.class.getName());
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            test.run();
        } finally {
            log.removeHandler(handler);
        }
        return records;
    }

    @Test
    void dropsForgedAndMalformedFramesFromForeignPublishersCountsThemAndLogsOneLineWithoutAStackTrace() {
        FakeTransport alice = new FakeTransport();
        SessionSender session = session("n.1", "alice", alice);
        List<String> forged = List.of(ALL + "{}", ALL + "{not json}", ALL + "{\"type\":\"notice\",\"x\":\"\u0001\"}",
                ALL + "{\"type\":\"welcome\",\"session\":\"n.99\",\"user\":\"mallory\"}",
                ALL + "{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"forged\"}",
                ALL + "{\"type\":\"notice\",\"id\":\"a\",\"event\":\"not valid\",\"data\":1,\"ts\":1}",
                "{\"v\":1,\"id\":\"a\",\"to\":{\"all\":true},\"event\":\"e\",\"data\":" + "[".repeat(1000)
                        + "]".repeat(1000) + "}",
                ALL + codec.frame(new Envelope("a", 1L, Recipient.all(), "e", jakarta.json.Json.createValue(
                        "x".repeat(70_000)))));
        List<java.util.logging.LogRecord> log = recordRouterLog(() -> forged.forEach(router::route));
        assertEquals(forged.size(), router.dropped());
        assertEquals(List.of(), alice.texts(), "no forged frame reached the client");
        assertEquals(false, session.isClosed());
        assertEquals(1, log.size(), "one line for a burst of bad messages");
        assertEquals(null, log.get(0).getThrown());
        assertEquals(-1, log.get(0).getMessage().indexOf('\n'), "the message's newline cannot forge a log line");
        router.route(message(Recipient.all(), "good"));
        assertEquals(List.of("good"), alice.notices().stream().map(n -> n.getString("event")).toList());
    }

    @Test
    void aForeignMessageLargerThanABatchIsDroppedAndClosesNoSession() {
        FakeTransport reader = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", reader, 1024, 1 << 20, Runnable::run, false);
        hub.add(s);
        String big = codec.encode(new Envelope("big", 1L, Recipient.all(), "e",
                jakarta.json.Json.createValue("x".repeat(2_000_000))));
        router.route(big);
        assertEquals(1, router.dropped());
        assertEquals(false, s.isClosed());
        assertEquals(List.of(), reader.texts());
    }

    @Test
    void oneMessageOfThreeThousandNoticesReachesAReadingClientWhoseSendsCompleteLater() {
        FakeTransport reader = new FakeTransport();
        SessionSender s = new SessionSender("n.1", "alice", reader, 1024, 1 << 20, Runnable::run, false);
        hub.add(s);
        reader.hold(); // as on WildFly: the first send completes only after the subscriber queued the rest
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            batch.append(i == 0 ? "" : "\n").append(codec.encodeFramed(Recipient.user("alice"),
                    codec.frame(new Envelope("id-" + i, 1L, Recipient.user("alice"), "e" + i, JsonValue.NULL))));
        }
        router.route(batch.toString());
        assertEquals(false, s.isClosed(), "3,000 frames wait, more than the queue limit, but in one burst");
        reader.release();
        assertEquals(3000, reader.notices().size());
        assertEquals("e2999", reader.notices().get(2999).getString("event"));
        reader.hold();
        router.route(batch.toString());
        router.route(message(Recipient.user("alice"), "next"));
        assertEquals(SessionSender.CLOSE_TOO_SLOW, reader.closeCode(),
                "a client that reads none of the burst is closed when the next message comes");
    }
}
