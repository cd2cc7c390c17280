package dev.herald.node;

import dev.herald.HeraldUnavailableException;
import dev.herald.Recipient;
import dev.herald.engine.History;
import dev.herald.engine.History.Position;
import dev.herald.engine.NoticeCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.logging.Logger;

/**
 * Where this node's sessions stand in their streams: it reads a session's place when it connects or subscribes
 * (and the frames it missed, when it resumes), and after the node lost its engine subscription it closes the
 * sessions that may have missed notices meanwhile ({@link SessionSender#CLOSE_RESUME}), so that they resume.
 *
 * <p>A read is one engine round trip, made on the thread that connects or, for a subscribe, on the closer
 * executor, never on the subscriber thread; the frames it returns are queued as one burst. Thread safe.
 */
final class Resumes {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final History history;
    private final History.Retention retention;
    private final int replayMax;
    private final NoticeCodec codec;
    private final IntSupplier bursts;
    private final java.util.concurrent.atomic.LongAdder recovered = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder notRecovered = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder replayed = new java.util.concurrent.atomic.LongAdder();

    Resumes(History history, History.Retention retention, int replayMax, NoticeCodec codec, IntSupplier bursts) {
        this.history = history;
        this.retention = retention;
        this.replayMax = replayMax;
        this.codec = codec;
        this.bursts = bursts;
    }

    /** Whether notices to users are kept, so that sessions have a place in their user's stream. */
    boolean keepsUsers() {
        return retention.userSize() > 0;
    }

    /** Whether notices to channels are kept. */
    boolean keepsChannels() {
        return retention.channelSize() > 0;
    }

    /**
     * Reads the place of a connecting session (made by the kept-user constructor, in the hub and registered)
     * in its user's stream and lets its {@code welcome} go, with the frames after its position or, for an inbox,
     * the unread ones.
     *
     * @param welcome the session's welcome frame, which gains the position (and {@code recovered} when
     *     {@code since} is given, {@code unread} for an inbox)
     * @throws HeraldUnavailableException when the engine cannot be read
     */
    void connected(SessionSender session, String welcome, Resume resume) {
        if (resume.since() == null && resume.inbox()) {
            History.Inbox inbox = history.inbox(session.user(), replayMax);
            replayed.add(inbox.frames().size());
            session.resumeUser(codec.withNumber(codec.withPosition(welcome, inbox.top(), null), "unread",
                    inbox.unread()), inbox.top(), inbox.frames(), bursts.getAsInt());
            return;
        }
        Position since = resume.since();
        History.Read read = counted(since, history.read(Recipient.user(session.user()), since, replayMax));
        session.resumeUser(codec.withPosition(welcome, read.top(), since == null ? null : read.recovered()),
                read.top(), read.frames(), bursts.getAsInt());
    }

    private History.Read counted(Position since, History.Read read) {
        if (since != null) {
            (read.recovered() ? recovered : notRecovered).increment();
        }
        replayed.add(read.frames().size());
        return read;
    }

    /** Resumes from a position answered {@code recovered:true} ({@code true}) or {@code recovered:false}. */
    long resumes(boolean wereRecovered) {
        return (wereRecovered ? recovered : notRecovered).sum();
    }

    /** Notices replayed from the history to sessions that resumed or read their inbox. */
    long replayed() {
        return replayed.sum();
    }

    /**
     * Moves the read cursor of {@code session}'s user to {@code offset} and answers {@code acked} with the
     * cursor then, or {@code error} {@code bad_offset}.
     *
     * @throws HeraldUnavailableException when the engine cannot be reached
     */
    long acknowledge(SessionSender session, String epoch, long offset) {
        return history.markRead(session.user(), epoch, offset);
    }

    /**
     * Reads {@code session}'s place in {@code channel}'s stream, which it just subscribed to (its notices wait
     * aside meanwhile), and queues {@code subscribed} (the position added) and the frames after {@code since}.
     *
     * @return whether the session is still subscribed to it
     * @throws HeraldUnavailableException when the engine cannot be read
     */
    boolean subscribed(SessionSender session, String channel, String subscribed, Position since) {
        History.Read read = counted(since, history.read(Recipient.channel(channel), since, replayMax));
        return session.resumeChannel(channel,
                codec.withPosition(subscribed, read.top(), since == null ? null : read.recovered()),
                read.top(), read.frames(), bursts.getAsInt());
    }

    /**
     * After a lost engine subscription: reads the positions of every stream a local session is in, and
     * {@code delayMillis} later closes with {@link SessionSender#CLOSE_RESUME} each session that is still behind
     * them or in another epoch. A notice up to those positions was published before they were read, so it has
     * reached this node by then unless the subscription lost it.
     */
    void checkAfterOutage(Hub hub, ScheduledExecutorService scheduler, long delayMillis) {
        Map<SessionSender, Map<Recipient, Position>> held = new HashMap<>();
        Set<Recipient> streams = new HashSet<>();
        for (SessionSender s : hub.all()) {
            Map<Recipient, Position> places = s.positions();
            if (!places.isEmpty()) {
                held.put(s, places);
                streams.addAll(places.keySet());
            }
        }
        if (streams.isEmpty()) {
            return;
        }
        Map<Recipient, Position> tops;
        try {
            tops = history.positions(streams);
        } catch (HeraldUnavailableException e) {
            LOG.fine(() -> "Could not check stream positions after the outage: " + e.getMessage());
            held.keySet().forEach(s -> s.close(SessionSender.CLOSE_RESUME, "the node lost notices: resume"));
            return;
        }
        scheduler.schedule(() -> {
            List<SessionSender> behind = new ArrayList<>();
            held.keySet().forEach(s -> {
                for (Map.Entry<Recipient, Position> now : s.positions().entrySet()) {
                    Position top = tops.get(now.getKey());
                    if (top != null && (top.epoch() == null || !top.epoch().equals(now.getValue().epoch())
                            || now.getValue().offset() < top.offset())) {
                        behind.add(s);
                        return;
                    }
                }
            });
            if (!behind.isEmpty()) {
                LOG.info(() -> "Closing " + behind.size() + " session(s) that missed notices while the engine "
                        + "subscription was lost, so that they resume");
                behind.forEach(s -> s.close(SessionSender.CLOSE_RESUME, "the node lost notices: resume"));
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }
}
