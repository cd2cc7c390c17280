package dev.herald.node;

import dev.herald.ClientPublished;
import dev.herald.SessionClosed;
import dev.herald.SessionOpened;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.ObserverMethod;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fires a node's {@link NodeEvents} as CDI events, to {@code @Observes} observers on a managed executor's thread
 * and to {@code @ObservesAsync} ones as the container runs them. A kind of event that nobody observes (looked up
 * once, at startup: observers are fixed when the application is deployed) costs nothing. An observer that throws
 * is logged, at most one line per {@value LogLimit#INTERVAL_SECONDS} s, and stops nothing: not the other
 * observers of an async event, not the session, not the notice.
 */
final class CdiEvents implements NodeEvents {

    private static final Logger LOG = Logger.getLogger(CdiEvents.class.getName());

    private final Event<Object> events;
    private final Executor executor;
    /** For each kind of event, {@link #SYNC} and {@link #ASYNC} where it has observers of that sort. */
    private final int opened;
    private final int closed;
    private final int published;
    private final LogLimit failures = new LogLimit(LOG, Level.WARNING);

    private static final int SYNC = 1;
    private static final int ASYNC = 2;

    private CdiEvents(Event<Object> events, Executor executor, int opened, int closed, int published) {
        this.events = events;
        this.executor = executor;
        this.opened = opened;
        this.closed = closed;
        this.published = published;
    }

    /** Events for the observers that {@code beans} knows of; {@link NodeEvents#NONE} when there are none. */
    static NodeEvents of(BeanManager beans, Event<Object> events, Executor executor) {
        int opened = observed(beans, new SessionOpened("u", "s", "n"));
        int closed = observed(beans, new SessionClosed("u", "s", "n", 1000));
        int published = observed(beans, new ClientPublished("u", "c", "i", "e", "null"));
        if ((opened | closed | published) == 0) {
            return NodeEvents.NONE;
        }
        LOG.info(() -> "Herald fires CDI events to the application's observers of"
                + (opened != 0 ? " SessionOpened" : "") + (closed != 0 ? " SessionClosed" : "")
                + (published != 0 ? " ClientPublished" : ""));
        return new CdiEvents(events, executor, opened, closed, published);
    }

    private static int observed(BeanManager beans, Object event) {
        int sorts = 0;
        for (ObserverMethod<?> observer : beans.resolveObserverMethods(event)) {
            sorts |= observer.isAsync() ? ASYNC : SYNC;
        }
        return sorts;
    }

    @Override
    public void opened(SessionOpened event) {
        if (opened != 0) {
            fire(event, opened);
        }
    }

    @Override
    public void closed(SessionClosed event) {
        if (closed != 0) {
            fire(event, closed);
        }
    }

    @Override
    public void published(ClientPublished event) {
        if (published != 0) {
            fire(event, published);
        }
    }

    private void fire(Object event, int sorts) {
        if ((sorts & SYNC) != 0) {
            try {
                executor.execute(() -> {
                    try {
                        events.fire(event);
                    } catch (RuntimeException e) {
                        failed(event, e);
                    }
                });
            } catch (RejectedExecutionException e) {
                LOG.fine(() -> "The executor refused " + event + ": the server is stopping");
            }
        }
        if ((sorts & ASYNC) != 0) {
            try {
                events.fireAsync(event).exceptionally(e -> {
                    failed(event, e);
                    return null;
                });
            } catch (RuntimeException e) {
                failed(event, e);
            }
        }
    }

    private void failed(Object event, Throwable e) {
        failures.log(() -> "An observer of " + event.getClass().getSimpleName() + " failed (" + e
                + "); Herald goes on");
    }
}
