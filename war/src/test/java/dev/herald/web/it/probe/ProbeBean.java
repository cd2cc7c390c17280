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
}
