package dev.herald.node;

import dev.herald.InvalidNoticeException;
import dev.herald.engine.NoticeCodec;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands each message from the engine to the local sessions it is for.
 *
 * <p>Runs on the subscriber thread, so it never blocks: the frame arrives encoded (or is encoded once, for a
 * foreign version 1 message) and is offered to each session's bounded queue. A malformed message (from a foreign publisher, say) is logged and dropped; no
 * exception leaves {@link #route}. One failing session is closed and the others still get the notice.
 */
public final class NoticeRouter {

    private static final Logger LOG = Logger.getLogger(NoticeRouter.class.getName());

    private final NoticeCodec codec;
    private final Hub hub;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();

    public NoticeRouter(NoticeCodec codec, Hub hub) {
        this.codec = codec;
        this.hub = hub;
    }

    /** Routes one engine message, which may carry several notices; never throws. */
    public void route(String message) {
        try {
            for (NoticeCodec.Routed routed : codec.route(message)) {
                received.incrementAndGet();
                Collection<SessionSender> targets = switch (routed.to().kind()) {
                    case USER -> hub.ofUser(routed.to().id());
                    case SESSION -> {
                        SessionSender session = hub.get(routed.to().id());
                        yield session == null ? List.of() : List.of(session);
                    }
                    case ALL -> hub.all();
                };
                for (SessionSender session : targets) {
                    offer(session, routed.frame());
                }
            }
        } catch (InvalidNoticeException e) {
            long n = dropped.incrementAndGet();
            LOG.warning(() -> "Dropped malformed engine message #" + n + " (" + e.getMessage() + "): "
                    + abbreviate(message));
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            LOG.log(Level.WARNING, "Dropped engine message that failed to route: " + abbreviate(message), e);
        }
    }

    private void offer(SessionSender session, String frame) {
        try {
            if (session.offer(frame)) {
                delivered.incrementAndGet();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Session " + session.id() + " failed; closing it", e);
            session.close(1011, "internal error");
        }
    }

    /** Notices received by this node through the engine (a message may carry several). */
    public long received() {
        return received.get();
    }

    /** Engine messages dropped as malformed or unroutable (with the rest of their notices). */
    public long dropped() {
        return dropped.get();
    }

    /** Frames queued for local sessions. */
    public long delivered() {
        return delivered.get();
    }

    private static String abbreviate(String message) {
        return message == null || message.length() <= 200 ? String.valueOf(message) : message.substring(0, 200) + "...";
    }
}
