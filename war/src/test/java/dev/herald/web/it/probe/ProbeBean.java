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
