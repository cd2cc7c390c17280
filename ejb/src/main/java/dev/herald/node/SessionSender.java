package dev.herald.node;

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
 * overflow the stack. Thread safe.
 */
public final class SessionSender {

    /** Close code for a session that fell behind by {@code herald.session.queue-limit} frames or {@code buffer-limit} characters. */
    public static final int CLOSE_TOO_SLOW = 4429;

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
    /** The burst whose first frame was let in last (see {@link #offer(String, int)}). */
    private volatile int burst;
    private volatile long sendStartedNanos;
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
        this.id = id;
        this.user = user;
        this.transport = transport;
        this.limit = limit;
        this.charLimit = charLimit;
        this.closer = closer;
        this.busy = held ? 1 : 0; // held: as if a send were in flight, so that offers only queue
        this.started = !held;
    }

    /** A sender that sends at once, whose character limit is unbounded (tests). */
    public SessionSender(String id, String user, Transport transport, int limit, Executor closer) {
        this(id, user, transport, limit, Long.MAX_VALUE, closer, false);
    }

    /** Starts sending what a {@code held} sender queued; call once. */
    public void start() {
        started = true;
        busy = 0;
        drain();
    }

    /** The result of {@link #addChannel}. */
    enum Added { ADDED, ALREADY, LIMIT }

    /** Records a subscription to {@code channel}, unless the session holds {@code max} already. */
    synchronized Added addChannel(String channel, int max) {
        String[] current = channels == null ? new String[0] : channels;
        if (java.util.Arrays.asList(current).contains(channel)) {
            return Added.ALREADY;
        }
        if (current.length >= max) {
            return Added.LIMIT;
        }
        String[] grown = java.util.Arrays.copyOf(current, current.length + 1);
        grown[current.length] = channel;
        channels = grown;
        return Added.ADDED;
    }

    /**
     * Queues a notice of {@code channel} as {@link #offer(String, int)} does, if this session is still
     * subscribed to it: checked under the lock that {@link #removeChannel} takes, so that nothing of a channel
     * is queued after what answers the unsubscribe.
     */
    synchronized boolean offerOnChannel(String channel, String frame, int burst) {
        return channels != null && java.util.Arrays.asList(channels).contains(channel) && offer(frame, burst);
    }

    /** Forgets the subscription to {@code channel}; returns whether there was one. */
    synchronized boolean removeChannel(String channel) {
        if (channels == null || !java.util.Arrays.asList(channels).contains(channel)) {
            return false;
        }
        String[] kept = java.util.Arrays.stream(channels).filter(c -> !c.equals(channel)).toArray(String[]::new);
        channels = kept.length == 0 ? null : kept;
        return true;
    }

    /** Forgets every subscription and returns them: the session is going. */
    synchronized java.util.List<String> takeChannels() {
        java.util.List<String> all = channels == null ? java.util.List.of() : java.util.List.of(channels);
        channels = null;
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
        return add(frame, frame);
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
                if (queue.isEmpty() && pongs == 0) {
                    return;
                }
                continue;
            }
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
                && (entry = queue.poll()) != null) {
            String text;
            if (entry instanceof Reply reply) {
                text = reply.frame();
            } else {
                text = (String) entry;
                QUEUED.decrementAndGet(this);
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
