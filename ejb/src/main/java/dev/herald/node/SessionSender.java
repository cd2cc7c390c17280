package dev.herald.node;

import dev.herald.engine.NoticeCodec;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One session's outbound side: a bounded queue and one send in flight at a time.
 *
 * <p>{@link #offer} never blocks: it queues the frame and, if no send is in flight, starts one. Frames that
 * wait while a send is in flight go out together as one JSON array frame. A sender made {@code held} queues
 * but sends nothing until {@link #start}, so that a session's first frame (its {@code welcome}) leaves only
 * once the session is registered.
 *
 * <p>The limits catch a client that does not read, not a burst that a reading client takes in time: a session
 * is closed with {@link #CLOSE_TOO_SLOW} when something new for it finds the limit already reached, that is
 * {@code limit} frames or {@code charLimit} characters waiting. The frames of one burst (what one engine message
 * brings this session, bounded by the size of a message) are let in whole once its first frame is; answers to
 * the client's own frames ({@link #reply}) count toward the character limit only, and pongs ({@link #pong}) are
 * a count, not frames. So a session holds at most the limits plus one burst. The node also closes a session whose send has been in flight too long (see
 * {@link #stalledNanos()}): one slow client costs its own connection, never the subscriber thread or other
 * sessions. Completions that arrive on the sending thread are looped, not recursed, so a fast transport cannot
 * overflow the stack. Urgent frames go ahead of the normal ones waiting.
 *
 * <p>Where notices are kept, the sender holds the session's place in each of its streams (a {@link Cursor} for its
 * user's and one per channel): a kept notice it had is dropped, one whose offset skips or whose epoch changed
 * closes the session with {@link #CLOSE_RESUME}. While a place is being read from the history (connecting,
 * subscribing), what arrives for it waits aside and follows the answer and the replay. Thread safe.
 */
public final class SessionSender {

    /** Close code for a session that fell behind by {@code herald.session.queue-limit} frames or {@code buffer-limit} characters. */
    public static final int CLOSE_TOO_SLOW = 4429;
    /**
     * Close code for a session that missed notices of one of its streams (the node lost its engine subscription
     * a while, or the stream's history was lost under it): the client reconnects and resumes from its positions.
     */
    public static final int CLOSE_RESUME = 4409;

    private static final Logger LOG = Logger.getLogger(SessionSender.class.getName());
    private static final AtomicIntegerFieldUpdater<SessionSender> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(SessionSender.class, "queued");
    private static final AtomicLongFieldUpdater<SessionSender> QUEUED_CHARS =
            AtomicLongFieldUpdater.newUpdater(SessionSender.class, "queuedChars");
    private static final AtomicIntegerFieldUpdater<SessionSender> BUSY =
            AtomicIntegerFieldUpdater.newUpdater(SessionSender.class, "busy");
    private static final AtomicIntegerFieldUpdater<SessionSender> CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(SessionSender.class, "closed");
    private static final AtomicIntegerFieldUpdater<SessionSender> PONGS =
            AtomicIntegerFieldUpdater.newUpdater(SessionSender.class, "pongs");
    /** The answer to a client's ping. */
    static final String PONG = "{\"type\":\"pong\"}";
    /** Pongs owed beyond this many are not counted: one pong answers many pings just as well. */
    private static final int MAX_PONGS = 1 << 20;
    private static final int MAX_BATCH_FRAMES = 256;
    private static final int MAX_BATCH_CHARS = 256 * 1024;

    private final String id;
    private final String user;
    private final Transport transport;
    private final int limit;
    private final long charLimit;
    private final Executor closer;
    /** Notice frames ({@code String}) and answers to the client's frames ({@link Reply}), in order. */
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    /** Urgent notice frames, sent before anything in {@link #queue}. */
    private final ConcurrentLinkedQueue<String> urgentQueue = new ConcurrentLinkedQueue<>();
    // Field updaters rather than Atomic* objects: this object lives as long as its connection, and the
    // atomics' own headers would add about a hundred bytes to every idle connection.
    private volatile int queued;
    private volatile long queuedChars;
    private volatile int busy;
    /** 0 while open; then the code {@link #close} was given (never 0). */
    private volatile int closed;
    /** Pongs owed: answers to pings, sent after what waits in the queue, never a queue entry each. */
    private volatile int pongs;
    private volatile boolean started;
    /** The channels this session is subscribed to; {@code null} when none (most sessions). */
    private String[] channels;
    /** This session's place in each of {@link #channels}' streams, in the same order; an entry is {@code null} where not kept. */
    private Cursor[] channelCursors;
    /** This session's place in its user's stream; {@code null} where user notices are not kept. */
    private final Cursor userCursor;
    /**
     * While the session connects (from the kept-user constructor to {@link #resumeUser}): every frame offered to it, in
     * order, to go after its {@code welcome} and its replay. Read without the lock only to skip the lock once
     * it is {@code null} for good.
     */
    private volatile java.util.List<Held> connecting;
    /** While the session connects: what waits for its {@code welcome} (see {@link #afterWelcome}). Guarded by this. */
    private java.util.List<Runnable> afterWelcome;
    /** The burst whose first frame was let in last (see {@link #offer(String, int)}). */
    private volatile int burst;
    private volatile long sendStartedNanos;
    /** Told, per write that holds a live notice, the milliseconds from its send to the write's end; or {@code null}. */
    private volatile java.util.function.LongConsumer latency;
    /** The {@code ts} of the first live notice taken for the write being assembled; only the sending thread uses it. */
    private long sentAtMillis;
    private final long createdNanos = System.nanoTime();
    private volatile long lastHeardNanos = createdNanos;
    private volatile long lastSentNanos = createdNanos;

    /**
     * @param limit how many frames may wait before the session is closed as too slow
     * @param charLimit how many characters of frames may wait before the session is closed as too slow
     * @param closer runs {@link Transport#close}, which may block, off the caller's thread
     * @param held whether to send nothing until {@link #start}
     */
    public SessionSender(String id, String user, Transport transport, int limit, long charLimit, Executor closer,
            boolean held) {
        this(id, user, transport, limit, charLimit, closer, held, false);
    }

    /**
     * A held sender whose user's notices are kept: every frame offered to it waits aside until
     * {@link #resumeUser} has queued its {@code welcome} and replay.
     */
    SessionSender(String id, String user, Transport transport, int limit, long charLimit, Executor closer) {
        this(id, user, transport, limit, charLimit, closer, true, true);
    }

    private SessionSender(String id, String user, Transport transport, int limit, long charLimit, Executor closer,
            boolean held, boolean keptUser) {
        this.id = id;
        this.user = user;
        this.transport = transport;
        this.limit = limit;
        this.charLimit = charLimit;
        this.closer = closer;
        this.busy = held ? 1 : 0; // held: as if a send were in flight, so that offers only queue
        this.started = !held;
        // While connecting, the user's frames wait with all others in 'connecting', not in the cursor.
        this.userCursor = keptUser ? new Cursor(false) : null;
        if (keptUser) {
            connecting = new java.util.ArrayList<>();
            afterWelcome = new java.util.ArrayList<>();
        }
    }

    /**
     * A session's place in one of its streams: the epoch and the offset of the last notice it was given. While
     * {@code held} is not {@code null} the place is being read from the history, and the stream's frames wait
     * there. Guarded by the session's lock.
     */
    static final class Cursor {
        String epoch;
        long offset;
        java.util.List<Held> held;

        /** A cursor whose place is being read ({@code reading}: its frames wait in {@code held}) or not yet. */
        Cursor(boolean reading) {
            held = reading ? new java.util.ArrayList<>() : null;
        }
    }

    /** A frame that waits aside: of a kept notice ({@code offset} above 0) or not, of its burst. */
    private record Held(String frame, long offset, String epoch, int burst, boolean urgent) {
    }

    /** This session's cursor in its user's stream, or {@code null} when that stream is not kept. */
    Cursor userCursor() {
        return userCursor;
    }

    /** A sender that sends at once, whose character limit is unbounded (tests). */
    public SessionSender(String id, String user, Transport transport, int limit, Executor closer) {
        this(id, user, transport, limit, Long.MAX_VALUE, closer, false);
    }

    /**
     * Tells {@code latency}, for each write that holds a live notice (not one replayed from the history), the
     * milliseconds from the send of its first such notice (its {@code ts}) to the end of the write.
     */
    void measure(java.util.function.LongConsumer latency) {
        this.latency = latency;
    }

    /** Starts sending what a {@code held} sender queued; call once. */
    public void start() {
        started = true;
        busy = 0;
        drain();
    }

    /** The result of {@link #addChannel}. */
    enum Added { ADDED, ALREADY, LIMIT }

    /**
     * Records a subscription to {@code channel}, unless the session holds {@code max} already; when
     * {@code kept}, with a cursor in the channel's stream whose frames wait until {@link #resumeChannel}.
     */
    synchronized Added addChannel(String channel, int max, boolean kept) {
        String[] current = channels == null ? new String[0] : channels;
        if (java.util.Arrays.asList(current).contains(channel)) {
            return Added.ALREADY;
        }
        if (current.length >= max) {
            return Added.LIMIT;
        }
        String[] grown = java.util.Arrays.copyOf(current, current.length + 1);
        grown[current.length] = channel;
        Cursor[] cursors = java.util.Arrays.copyOf(channelCursors == null ? new Cursor[0] : channelCursors,
                current.length + 1);
        cursors[current.length] = kept ? new Cursor(true) : null;
        channels = grown;
        channelCursors = cursors;
        return Added.ADDED;
    }

    /** The index of {@code channel} in {@link #channels}, or -1. */
    private int indexOf(String channel) {
        if (channels != null) {
            for (int i = 0; i < channels.length; i++) {
                if (channels[i].equals(channel)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Queues a notice of {@code channel} as {@link #offer(String, int, boolean)} does, if this session is still
     * subscribed to it: checked under the lock that {@link #removeChannel} takes, so that nothing of a channel
     * is queued after what answers the unsubscribe. A kept one ({@code offset} above 0) goes by the rules of
     * {@link #offerKept}.
     */
    synchronized boolean offerOnChannel(String channel, String frame, long offset, String epoch, int burst,
            boolean urgent) {
        int i = indexOf(channel);
        if (i < 0) {
            return false;
        }
        Cursor cursor = channelCursors[i];
        if (cursor != null && cursor.held != null) {
            return closed == 0 && hold(cursor.held, new Held(frame, offset, epoch, burst, urgent)); // announcements too
        }
        return cursor == null || offset == 0 ? offer(frame, burst, urgent)
                : offerKept(cursor, frame, offset, epoch, burst, urgent);
    }

    /**
     * Queues a kept notice of the stream {@code cursor} is this session's place in: aside while the place is
     * being read; not at all when the session had it already (its offset is not past the cursor); and when its
     * offset skips one, or its epoch is not the cursor's, the session missed notices: it is closed with
     * {@link #CLOSE_RESUME}, so that the client resumes and is replayed what it missed.
     */
    synchronized boolean offerKept(Cursor cursor, String frame, long offset, String epoch, int burst, boolean urgent) {
        if (closed != 0) {
            return false;
        }
        if (cursor.held != null) {
            return hold(cursor.held, new Held(frame, offset, epoch, burst, urgent));
        }
        if (connecting != null) {
            return hold(connecting, new Held(frame, offset, epoch, burst, urgent));
        }
        return advance(cursor, frame, offset, epoch, burst, urgent);
    }

    private boolean hold(java.util.List<Held> aside, Held frame) {
        if (aside.size() >= limit) {
            close(CLOSE_TOO_SLOW, "too slow: " + limit + " frames waiting while its history was read");
            return false;
        }
        aside.add(frame);
        return true;
    }

    private boolean advance(Cursor cursor, String frame, long offset, String epoch, int burst, boolean urgent) {
        if (!epoch.equals(cursor.epoch)) {
            close(CLOSE_RESUME, "a stream's history was lost: resume");
            return false;
        }
        if (offset <= cursor.offset) {
            return false;
        }
        if (offset != cursor.offset + 1) {
            close(CLOSE_RESUME, "missed notices " + (cursor.offset + 1) + " to " + (offset - 1) + ": resume");
            return false;
        }
        cursor.offset = offset;
        return queueFrame(frame, burst, urgent);
    }

    /**
     * Ends the connecting of a session made by the kept-user constructor: queues {@code welcome}, then
     * {@code replay} (the frames after the client's position, as one burst), then what waited aside by the rules
     * of {@link #offerKept}, the user's stream now at {@code top}.
     */
    void resumeUser(String welcome, dev.herald.engine.History.Position top, java.util.List<String> replay,
            int burst) {
        java.util.List<Runnable> then;
        synchronized (this) {
            endConnecting(welcome, top, replay, burst);
            then = afterWelcome;
            afterWelcome = null;
        }
        for (Runnable work : then) {
            work.run(); // off the lock: a subscribe takes other locks
        }
    }

    /**
     * Runs {@code work} once this session's {@code welcome} is queued, so that what {@code work} sends follows
     * it: now, or, while a session made by the kept-user constructor connects, on the thread that ends its
     * connecting, right after its welcome and replay. Work for a session whose connecting fails never runs.
     */
    void afterWelcome(Runnable work) {
        if (connecting != null) {
            synchronized (this) {
                if (connecting != null) {
                    afterWelcome.add(work);
                    return;
                }
            }
        }
        work.run();
    }

    private void endConnecting(String welcome, dev.herald.engine.History.Position top, java.util.List<String> replay,
            int burst) {
        queueFrame(welcome, 0, false);
        // Only user frames are kept frames aside yet: channels are subscribed after the welcome.
        catchUp(userCursor, top, replay, burst, connecting);
        connecting = null; // last: until now, offers on other threads wait for this lock
    }

    /**
     * Puts {@code cursor} at {@code top} and queues, after what the caller queued, {@code replay} as one burst,
     * then the frames that waited {@code aside}: its stream's by the rules of {@link #offerKept}, the others as
     * they are.
     */
    private void catchUp(Cursor cursor, dev.herald.engine.History.Position top, java.util.List<String> replay,
            int burst, java.util.List<Held> aside) {
        cursor.epoch = top.epoch();
        cursor.offset = top.offset();
        for (String frame : replay) {
            queueEntry(new Replayed(frame), frame, burst, false);
        }
        for (Held h : aside) {
            if (h.offset() > 0) {
                advance(cursor, h.frame(), h.offset(), h.epoch(), h.burst(), h.urgent());
            } else {
                queueFrame(h.frame(), h.burst(), h.urgent());
            }
        }
    }

    /**
     * Ends the reading of this session's place in {@code channel}'s stream: queues {@code answer} (its
     * {@code subscribed}), then {@code replay} as one burst, then what waited aside by the rules of
     * {@link #offerKept}. Nothing is queued when the session left the channel meanwhile.
     *
     * @return whether the session is still subscribed
     */
    synchronized boolean resumeChannel(String channel, String answer, dev.herald.engine.History.Position top,
            java.util.List<String> replay, int burst) {
        int i = indexOf(channel);
        if (i < 0 || channelCursors[i] == null || channelCursors[i].held == null) {
            return false;
        }
        Cursor cursor = channelCursors[i];
        java.util.List<Held> aside = cursor.held;
        cursor.held = null;
        reply(answer);
        catchUp(cursor, top, replay, burst, aside);
        return true;
    }

    /** This session's place in {@code channel}'s stream now, or {@code null} (not subscribed, not kept, being read). */
    synchronized dev.herald.engine.History.Position channelPosition(String channel) {
        int i = indexOf(channel);
        Cursor c = i < 0 ? null : channelCursors[i];
        return c == null || c.held != null ? null : new dev.herald.engine.History.Position(c.epoch, c.offset);
    }

    /** This session's places in its streams (its user's, its channels'), leaving out those being read. */
    synchronized java.util.Map<dev.herald.Recipient, dev.herald.engine.History.Position> positions() {
        java.util.Map<dev.herald.Recipient, dev.herald.engine.History.Position> out = new java.util.HashMap<>();
        if (userCursor != null && connecting == null) {
            out.put(dev.herald.Recipient.user(user), new dev.herald.engine.History.Position(userCursor.epoch,
                    userCursor.offset));
        }
        for (int i = 0; channels != null && i < channels.length; i++) {
            Cursor c = channelCursors[i];
            if (c != null && c.held == null) {
                out.put(dev.herald.Recipient.channel(channels[i]), new dev.herald.engine.History.Position(c.epoch,
                        c.offset));
            }
        }
        return out;
    }

    /** Forgets the subscription to {@code channel}; returns whether there was one. */
    synchronized boolean removeChannel(String channel) {
        int i = indexOf(channel);
        if (i < 0) {
            return false;
        }
        if (channels.length == 1) {
            channels = null;
            channelCursors = null;
            return true;
        }
        String[] kept = new String[channels.length - 1];
        Cursor[] cursors = new Cursor[channels.length - 1];
        for (int from = 0, to = 0; from < channels.length; from++) {
            if (from != i) {
                kept[to] = channels[from];
                cursors[to++] = channelCursors[from];
            }
        }
        channels = kept;
        channelCursors = cursors;
        return true;
    }

    /** Forgets every subscription and returns them: the session is going. */
    synchronized java.util.List<String> takeChannels() {
        java.util.List<String> all = channels == null ? java.util.List.of() : java.util.List.of(channels);
        channels = null;
        channelCursors = null;
        return all;
    }

    /** The channels this session is subscribed to now. */
    synchronized java.util.List<String> channels() {
        return channels == null ? java.util.List.of() : java.util.List.of(channels);
    }

    /** Whether this sender sends: it was not made held, or {@link #start} was called. */
    boolean started() {
        return started;
    }

    /** Nanoseconds the send in flight has taken so far; 0 when none is in flight. */
    public long stalledNanos() {
        long started = sendStartedNanos;
        return started == 0 ? 0 : System.nanoTime() - started;
    }

    public String id() {
        return id;
    }

    public String user() {
        return user;
    }

    public Transport transport() {
        return transport;
    }

    /** Notes that the client was heard from (a frame or a pong), for the idle check. */
    public void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** Whether the client was heard from (a frame or a pong) since this session was made. */
    boolean heardSinceConnected() {
        return lastHeardNanos != createdNanos;
    }

    /** Nanoseconds since this session was made. */
    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    /** Nanoseconds since the client was last heard from. */
    long silentNanos() {
        return System.nanoTime() - lastHeardNanos;
    }

    /** Notes that a ping went to the client. */
    void pinged() {
        lastSentNanos = System.nanoTime();
    }

    /**
     * Whether, in the last {@code nanos}, the client was heard from and something (a frame or a ping) was sent
     * to it: traffic both ways, which makes a ping of this connection redundant.
     */
    boolean busyWithin(long nanos) {
        long now = System.nanoTime();
        return now - lastHeardNanos < nanos && now - lastSentNanos < nanos;
    }

    /** Whether this sender was closed (too slow, failed, or by {@link #close}). */
    public boolean isClosed() {
        return closed != 0;
    }

    /** The code this sender was closed with by {@link #close}; 0 while it is open or closed by the client. */
    public int closeCode() {
        return closed;
    }

    /** How many frames wait to be sent. */
    public int queued() {
        return queued;
    }

    /**
     * Queues one JSON frame for this session, a burst of its own, and starts sending if idle.
     *
     * @return {@code false} when the session is closed or was just closed for being too slow
     */
    public boolean offer(String frame) {
        return offer(frame, 0);
    }

    /**
     * Queues one frame of burst {@code burst} (a number that the caller changes with each burst, 0 for a frame
     * on its own): its first frame is let in if fewer than the limits wait, and the rest of it then follows
     * whatever the count. Starts sending if idle.
     *
     * @return {@code false} when the session is closed or was just closed for being too slow
     */
    public boolean offer(String frame, int burst) {
        return offer(frame, burst, false);
    }

    /**
     * Queues one frame as {@link #offer(String, int)} does; an {@code urgent} one goes ahead of the normal frames
     * waiting (after the urgent ones already waiting).
     */
    public boolean offer(String frame, int burst, boolean urgent) {
        if (closed != 0) {
            return false;
        }
        if (connecting != null) {
            synchronized (this) {
                java.util.List<Held> aside = connecting;
                if (aside != null) {
                    return hold(aside, new Held(frame, 0, null, burst, urgent));
                }
            }
        }
        return queueFrame(frame, burst, urgent);
    }

    /** Queues a frame as {@link #offer(String, int)} does, past the connecting wait. */
    private boolean queueFrame(String frame, int burst, boolean urgent) {
        return queueEntry(frame, frame, burst, urgent);
    }

    /** Queues {@code entry}, {@code frame} or a {@link Replayed} of it, as {@link #queueFrame} says. */
    private boolean queueEntry(Object entry, String frame, int burst, boolean urgent) {
        if (closed != 0) {
            return false;
        }
        if (burst == 0 || this.burst != burst) {
            this.burst = burst;
            if (queued >= limit) {
                close(CLOSE_TOO_SLOW, "too slow: " + limit + " frames waiting");
                return false;
            }
            if (charLimitReached()) {
                return false;
            }
        }
        QUEUED.incrementAndGet(this);
        if (urgent) {
            QUEUED_CHARS.addAndGet(this, frame.length());
            urgentQueue.add(frame);
            drain();
            return true;
        }
        return add(entry, frame);
    }

    /**
     * Queues the answer to one of the client's own frames (an error, say): let in while fewer than the
     * character limit wait, whatever the number of frames, as a client may send many frames before it reads
     * their answers; it does not count toward the frame limit of notices.
     *
     * @return {@code false} when the session is closed or was just closed for being too slow
     */
    public boolean reply(String frame) {
        if (closed != 0 || charLimitReached()) {
            return false;
        }
        return add(new Reply(frame), frame);
    }

    /** Whether {@code charLimit} characters wait already; then the session is closed as too slow. */
    private boolean charLimitReached() {
        if (queuedChars < charLimit) {
            return false;
        }
        close(CLOSE_TOO_SLOW, "too slow: " + charLimit + " characters waiting");
        return true;
    }

    /**
     * Answers one client ping with {@code {"type":"pong"}}, after what waits in the queue: a count, not a frame
     * each, so that a client that sends pings faster than it reads costs no memory for them (past a million
     * pings owed, more are answered by the same pongs).
     */
    public void pong() {
        if (closed != 0) {
            return;
        }
        for (int p = pongs; p < MAX_PONGS && !PONGS.compareAndSet(this, p, p + 1); p = pongs) {
            // another thread counted one: count again
        }
        drain();
    }

    /** An answer to the client's own frame, queued in order with the notices but not counted as one. */
    private record Reply(String frame) {
    }

    /** A frame replayed from the history: counted as a notice, but not measured for delivery latency. */
    private record Replayed(String frame) {
    }

    /** Queues {@code entry}, a notice frame or a {@link Reply} of {@code frame}, and starts sending if idle. */
    private boolean add(Object entry, String frame) {
        QUEUED_CHARS.addAndGet(this, frame.length());
        queue.add(entry);
        drain();
        return true;
    }

    /** Closes the session with {@code code}, off the caller's thread; later offers are refused. */
    public void close(int code, String reason) {
        if (CLOSED.compareAndSet(this, 0, code != 0 ? code : 1000)) {
            queue.clear();
            urgentQueue.clear();
            queued = 0;
            queuedChars = 0;
            pongs = 0;
            if (code == CLOSE_TOO_SLOW) {
                LOG.info(() -> "Closing session " + id + " of " + user + ": " + reason);
            }
            Runnable closing = () -> {
                try {
                    transport.close(code, reason);
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "Closing session " + id + " failed", e);
                }
            };
            try {
                closer.execute(closing);
            } catch (RejectedExecutionException e) {
                // The container is shutting its executor down: close on this thread instead.
                closing.run();
            }
        }
    }

    private void drain() {
        while (closed == 0 && BUSY.compareAndSet(this, 0, 1)) {
            String text = take();
            if (text == null) {
                busy = 0;
                if (queue.isEmpty() && urgentQueue.isEmpty() && pongs == 0) {
                    return;
                }
                continue;
            }
            long sentAt = sentAtMillis; // of the first live notice of this write, or 0
            sentAtMillis = 0;
            // 0: send in progress, 1: completed before send() returned, 2: send() returned first.
            AtomicInteger phase = new AtomicInteger();
            long now = System.nanoTime();
            sendStartedNanos = now | 1; // never 0 while in flight
            lastSentNanos = now;
            try {
                transport.send(text, error -> {
                    sendStartedNanos = 0;
                    if (error != null) {
                        failed(error);
                        return;
                    }
                    if (sentAt > 0) {
                        long millis = System.currentTimeMillis() - sentAt;
                        if (millis >= 0) { // a foreign sender's clock may be ahead
                            latency.accept(millis);
                        }
                    }
                    busy = 0;
                    if (!phase.compareAndSet(0, 1)) {
                        drain();
                    }
                });
            } catch (RuntimeException e) {
                failed(e);
                return;
            }
            if (phase.compareAndSet(0, 2)) {
                return;
            }
        }
    }

    /**
     * One frame, or the waiting frames (at most {@value #MAX_BATCH_FRAMES}, about {@value #MAX_BATCH_CHARS}
     * characters) as one JSON array, the pongs owed last; {@code null} when nothing waits.
     */
    private String take() {
        String first = null;
        StringBuilder batch = null;
        int frames = 0;
        Object entry;
        while (frames < MAX_BATCH_FRAMES && (batch == null || batch.length() < MAX_BATCH_CHARS)
                && ((entry = urgentQueue.poll()) != null || (entry = queue.poll()) != null)) {
            String text;
            if (entry instanceof Reply reply) {
                text = reply.frame();
            } else if (entry instanceof Replayed replayed) {
                text = replayed.frame();
                QUEUED.decrementAndGet(this);
            } else {
                text = (String) entry;
                QUEUED.decrementAndGet(this);
                if (sentAtMillis == 0 && latency != null) {
                    sentAtMillis = NoticeCodec.timestamp(text);
                }
            }
            QUEUED_CHARS.addAndGet(this, -text.length());
            if (frames++ == 0) {
                first = text;
            } else {
                batch = (batch == null ? new StringBuilder(first.length() * 4).append('[').append(first) : batch)
                        .append(',').append(text);
            }
        }
        for (int owed = takePongs(MAX_BATCH_FRAMES - frames); owed > 0; owed--) {
            if (frames++ == 0) {
                first = PONG;
            } else {
                batch = (batch == null ? new StringBuilder(64).append('[').append(first) : batch).append(',').append(PONG);
            }
        }
        return batch != null ? batch.append(']').toString() : first;
    }

    /** Takes up to {@code max} of the pongs owed; returns how many. */
    private int takePongs(int max) {
        while (true) {
            int owed = pongs;
            int taken = Math.min(owed, max);
            if (taken <= 0 || PONGS.compareAndSet(this, owed, owed - taken)) {
                return Math.max(taken, 0);
            }
        }
    }

    private void failed(Throwable error) {
        LOG.log(Level.FINE, "Sending to session " + id + " failed", error);
        close(1011, "send failed");
    }
}
