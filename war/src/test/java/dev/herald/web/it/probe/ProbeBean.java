package dev.herald.web.it.probe;

import dev.herald.NoticeService;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;

/** Test-only EJB: application code that injects {@link NoticeService}. */
@Stateless
public class ProbeBean {

    @Inject
    NoticeService notices;

    public String tell(String user, String event, String text) {
        return notices.sendToUser(user, event, text);
    }

    @jakarta.annotation.Resource
    jakarta.ejb.SessionContext context;

    /**
     * Sends in this method's container-managed transaction, which then ends as {@code how} says: {@code commit};
     * {@code throw} (an application exception that rolls it back); {@code rollback-only}
     * ({@code setRollbackOnly}); {@code held-then-now} (this event, then {@code event.now} sent at once, then
     * commit); {@code now-then-throw} (sent at once, then rolled back by an exception).
     *
     * @return the id the send returned
     * @throws Rollback with that id, when the transaction rolls back by exception
     */
    public String tellInTransaction(String user, String event, String how) throws Rollback {
        String id = switch (how) {
            case "now-then-throw" -> notices.sendNow(new dev.herald.Notice(dev.herald.Recipient.user(user), event,
                    jakarta.json.JsonValue.NULL));
            default -> notices.sendToUser(user, event, jakarta.json.JsonValue.NULL);
        };
        switch (how) {
            case "throw", "now-then-throw" -> throw new Rollback(id);
            case "rollback-only" -> context.setRollbackOnly();
            case "held-then-now" -> notices.sendNow(new dev.herald.Notice(dev.herald.Recipient.user(user),
                    event + ".now", jakarta.json.JsonValue.NULL));
            default -> { }
        }
        return id;
    }

    /** The application's own exception that rolls the transaction back, carrying the id of what was sent. */
    @jakarta.ejb.ApplicationException(rollback = true)
    public static class Rollback extends Exception {
        private static final long serialVersionUID = 1L;

        public Rollback(String id) {
            super(id);
        }
    }

    /** Sends {@code count} notices to {@code user} in one {@code sendAll}, events {@code event.0} and on. */
    public void tellMany(String user, String event, int count) {
        java.util.List<dev.herald.Notice> batch = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(new dev.herald.Notice(dev.herald.Recipient.user(user), event + "." + i,
                    jakarta.json.Json.createValue(i)));
        }
        notices.sendAll(batch);
    }
}
