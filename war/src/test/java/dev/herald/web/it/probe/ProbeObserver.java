package dev.herald.web.it.probe;

import dev.herald.ClientPublished;
import dev.herald.SessionClosed;
import dev.herald.SessionOpened;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only observer of Herald's CDI events, as an application's would be: records each one, with the thread it
 * ran on; one more observer of each publish throws, which must change nothing.
 */
@ApplicationScoped
public class ProbeObserver {

    static final List<String> HEARD = new CopyOnWriteArrayList<>();

    void opened(@Observes SessionOpened event) {
        HEARD.add(event + " on " + Thread.currentThread().getName());
    }

    void closed(@Observes SessionClosed event) {
        HEARD.add(event + " on " + Thread.currentThread().getName());
    }

    void published(@ObservesAsync ClientPublished event) {
        HEARD.add(event + " on " + Thread.currentThread().getName());
    }

    void publishedAndFails(@Observes ClientPublished event) {
        throw new IllegalStateException("an observer that fails");
    }
}
