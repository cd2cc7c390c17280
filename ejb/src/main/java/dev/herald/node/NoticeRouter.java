package dev.herald.node;

import dev.herald.InvalidNoticeException;
import dev.herald.Recipient;
import dev.herald.engine.NoticeCodec;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands each message from the engine to the local sessions it is for.
 *
 * <p>Runs on the subscriber thread, so it never blocks: the frame arrives encoded (or is encoded once, for a
 * foreign version 1 message) and is offered to each session's bounded queue, all the frames of one message to a
 * session as one burst (see {@link SessionSender#offer(String, int)}). A message is checked whole before any of
 * it is delivered (see {@link NoticeCodec#route}); a bad one (from a foreign publisher, say) is dropped,
 * counted, and logged in one line without a stack trace, at most one line per {@value LogLimit#INTERVAL_SECONDS}
 * s; no exception leaves {@link #route}. One failing session is closed and the others still get the notice. A
 * message for many local sessions (a broadcast, a big channel) is delivered by the {@link FanOut} thread instead,
 * and so is every message after it while that is in progress.
 */
public final class NoticeRouter {

    private static final Logger LOG = Logger.getLogger(NoticeRouter.class.getName());

    private final NoticeCodec codec;
    private final Hub hub;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Frames queued for local sessions, by the kind of the notice's recipient. */
    private final java.util.concurrent.atomic.LongAdder[] queued = new java.util.concurrent.atomic.LongAdder[
            Recipient.Kind.values().length];
    /** Milliseconds from the send of the last notice received to its routing here; -1 before the first. */
    private volatile long lagMillis = -1;
    private final AtomicInteger bursts = new AtomicInteger();
    private final LogLimit badMessages = new LogLimit(LOG, Level.WARNING);

    private final Consumer<NoticeCodec.Control> controls;
    private final FanOut fanOut;

    /** A router that drops control requests and delivers everything itself (tests of routing alone). */
    public NoticeRouter(NoticeCodec codec, Hub hub) {
        this(codec, hub, control -> { }, null);
    }

    /**
     * @param controls takes each valid control request (a server-side subscribe), on the subscriber thread
     * @param fanOut delivers big messages off the subscriber thread; {@code null} to deliver everything here
     */
    NoticeRouter(NoticeCodec codec, Hub hub, Consumer<NoticeCodec.Control> controls, FanOut fanOut) {
        this.codec = codec;
        this.hub = hub;
        this.controls = controls;
        this.fanOut = fanOut;
        for (int i = 0; i < queued.length; i++) {
            queued[i] = new java.util.concurrent.atomic.LongAdder();
        }
    }

    /** Routes one engine message, which may carry several notices; never throws. */
    public void route(String message) {
        List<NoticeCodec.Routed> notices;
        try {
            NoticeCodec.Control control = codec.control(message);
            if (control == null) {
                notices = codec.route(message);
            } else if (control.announcement()) {
                notices = List.of(new NoticeCodec.Routed(Recipient.channel(control.channel()),
                        codec.announcementFrame(control)));
            } else {
                controls.accept(control);
                return;
            }
        } catch (RuntimeException e) {
            long n = dropped.incrementAndGet();
            String reason = e instanceof InvalidNoticeException ? e.getMessage() : "unreadable: " + e;
            badMessages.log(() -> "Dropped engine message #" + n + " (" + LogLimit.printable(reason, 200) + "): "
                    + LogLimit.printable(message, 200));
            return;
        }
        received.addAndGet(notices.size());
        long sentAt = notices.isEmpty() ? 0 : NoticeCodec.timestamp(notices.get(0).frame());
        if (sentAt > 0) {
            lagMillis = Math.max(0, System.currentTimeMillis() - sentAt);
        }
        int burst = nextBurst();
        if (fanOut == null || fanOut.inline(deliveries(notices))) {
            deliver(notices, burst);
        } else {
            fanOut.handOver(() -> deliver(notices, burst));
        }
    }

    /**
     * How many frames the channel and broadcast notices of {@code notices} make on this node: what decides where
     * they are delivered. A notice to a user or a session makes a few frames at most, and a message holds a
     * bounded number of notices ({@link NoticeCodec#MAX_BATCH_CHARS}), so those are not counted: what grows
     * without bound is one notice to a big room.
     */
    private long deliveries(List<NoticeCodec.Routed> notices) {
        long frames = 0;
        for (NoticeCodec.Routed routed : notices) {
            Recipient.Kind kind = routed.to().kind();
            if (kind == Recipient.Kind.CHANNEL || kind == Recipient.Kind.ALL) {
                frames += targets(routed.to()).size();
            }
        }
        return frames;
    }

    /** The sessions of this node that {@code to} names, as they are now. */
    private Collection<SessionSender> targets(Recipient to) {
        return switch (to.kind()) {
            case USER -> hub.ofUser(to.id());
            case SESSION -> {
                SessionSender session = hub.get(to.id());
                yield session == null ? List.of() : List.of(session);
            }
            case CHANNEL -> hub.ofChannel(to.id());
            case ALL -> hub.all();
        };
    }

    /** Offers each notice to its recipients' sessions on this node, as they are now. */
    private void deliver(List<NoticeCodec.Routed> notices, int burst) {
        for (NoticeCodec.Routed routed : notices) {
            try {
                for (SessionSender session : targets(routed.to())) {
                    offer(session, routed, burst);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Routing a notice to " + routed.to() + " failed", e);
            }
        }
    }

    /** A burst number other than 0, which stands for a frame on its own. */
    int nextBurst() {
        int burst = bursts.incrementAndGet();
        return burst != 0 ? burst : bursts.incrementAndGet();
    }

    /**
     * Offers a notice to one session: one of a channel only while the session is subscribed to it, a kept one by
     * the rules of {@link SessionSender#offerKept}.
     */
    private void offer(SessionSender session, NoticeCodec.Routed routed, int burst) {
        try {
            boolean queued = switch (routed.to().kind()) {
                case CHANNEL -> session.offerOnChannel(routed.to().id(), routed.frame(), routed.offset(),
                        routed.epoch(), burst, routed.urgent());
                case USER -> routed.kept() && session.userCursor() != null
                        ? session.offerKept(session.userCursor(), routed.frame(), routed.offset(), routed.epoch(), burst,
                                routed.urgent())
                        : session.offer(routed.frame(), burst, routed.urgent());
                case SESSION, ALL -> session.offer(routed.frame(), burst, routed.urgent());
            };
            if (queued) {
                this.queued[routed.to().kind().ordinal()].increment();
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

    /** Engine messages dropped as malformed (with all their notices): too large, bad JSON, not a notice frame. */
    public long dropped() {
        return dropped.get();
    }

    /** Engine messages handed to the fan-out thread. */
    public long fannedOut() {
        return fanOut == null ? 0 : fanOut.handedOver();
    }

    /** Frames queued for local sessions. */
    public long delivered() {
        long all = 0;
        for (java.util.concurrent.atomic.LongAdder n : queued) {
            all += n.sum();
        }
        return all;
    }

    /** Frames queued for local sessions of notices to recipients of {@code kind}. */
    public long delivered(Recipient.Kind kind) {
        return queued[kind.ordinal()].sum();
    }

    /**
     * Milliseconds from the send of the last notice this node received (its {@code ts}) to its routing here:
     * how far the subscriber is behind; -1 before the first.
     */
    public long lagMillis() {
        return lagMillis;
    }
}
