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
}
