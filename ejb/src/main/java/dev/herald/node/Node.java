package dev.herald.node;

import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.engine.Broker;
import dev.herald.engine.Engine;
import dev.herald.engine.NoticeCodec;
import dev.herald.engine.SessionIds;
import dev.herald.engine.SessionRegistry;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Herald node: the composition root that ties an engine to this JVM's sessions.
 *
 * <p>It runs the engine subscription on its own thread in a loop that never dies (on failure: log once per
 * outage, back off up to {@value #MAX_BACKOFF_MILLIS} ms, resubscribe), refreshes its heartbeat, purges dead
 * nodes and pings clients on a scheduler, and gives sessions and senders one place to connect and send. The
 * container supplies the threads ({@code HeraldNode} passes Jakarta Concurrency's managed ones); tests pass
 * plain ones. Thread safe.
 */
public final class Node implements AutoCloseable {

    /** Close code when the engine cannot register a new session: the client should retry later. */
    public static final int CLOSE_TRY_AGAIN_LATER = 1013;
    /** Close code when this node shuts down. */
    public static final int CLOSE_GOING_AWAY = 1001;
    /** Close code for a client not heard from (no frame, no pong) for {@code herald.ws.idle-timeout}. */
    public static final int CLOSE_IDLE = 4408;
    /** Close code for a connection without a valid identity, or whose auth frame did not come in time. */
    public static final int CLOSE_UNAUTHORIZED = 4401;

    static final long INITIAL_BACKOFF_MILLIS = 100;
    /** Every this many heartbeats, the node drops registry entries of sessions it no longer holds. */
    static final int RECONCILE_EVERY_BEATS = 10;
    static final long MAX_BACKOFF_MILLIS = 5000;

    private static final Logger LOG = Logger.getLogger(Node.class.getName());
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final HeraldConfig config;
    private final Engine engine;
    private final Broker broker;
    private final SessionRegistry registry;
    private final String id;
    private final SessionIds sessionIds;
    private final AtomicLong noticeSequence = new AtomicLong();
    private final NoticeCodec codec;
    private final Hub hub = new Hub();
    private final NoticeRouter router;
    private final ThreadFactory threads;
    private final ScheduledExecutorService scheduler;
    private final Executor closer;
    /** Ticks per ping interval (each at least 50 ms apart); a session is pinged at the tick of its slot. */
    private final int pingSlots;
    private final AtomicInteger pingTicks = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Outage subscription = new Outage("subscription");
    private final Outage heartbeat = new Outage("heartbeat");
    private final LogLimit badFrames = new LogLimit(LOG, Level.INFO);
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    /** Connections that have yet to send their auth frame, with the moment they time out (System.nanoTime). */
    private final Map<Connection, Long> awaitingAuth = new ConcurrentHashMap<>();
    private final AtomicBoolean sweepingAuthWaits = new AtomicBoolean();
    private volatile long backoffMillis = INITIAL_BACKOFF_MILLIS;
    private volatile boolean knownToRegistry;
    private boolean mustRegisterAgain;
    private int beats;
    private volatile boolean receiving;
    private Thread subscriber;

    /**
     * @param threads makes the long-lived subscriber thread
     * @param scheduler runs the heartbeat and pings
     * @param closer closes connections, which may block
     */
    public Node(HeraldConfig config, Engine engine, ThreadFactory threads, ScheduledExecutorService scheduler,
            Executor closer) {
        this.config = config;
        this.engine = engine;
        this.broker = engine.broker();
        this.registry = engine.registry();
        this.id = config.nodeName() + "-" + randomSuffix();
        this.sessionIds = new SessionIds(id);
        this.codec = new NoticeCodec(JsonProvider.provider(), config.maxNoticeBytes());
        this.router = new NoticeRouter(codec, hub);
        this.threads = threads;
        this.scheduler = scheduler;
        this.closer = closer;
        this.pingSlots = (int) Math.max(1, Math.min(20, config.pingIntervalMillis() / 50));
    }

    /** Starts the subscription loop, the heartbeat and the pings; returns at once, even if Redis is down. */
    public synchronized void start() {
        subscriber = threads.newThread(this::subscribeLoop);
        subscriber.setName("herald-subscriber-" + id);
        subscriber.start();
        tasks.add(scheduler.scheduleWithFixedDelay(this::beat, 0, config.heartbeatMillis(), TimeUnit.MILLISECONDS));
        long tick = Math.max(1, config.pingIntervalMillis() / pingSlots);
        tasks.add(scheduler.scheduleWithFixedDelay(() -> onCloser(this::pingSlot), tick, tick,
                TimeUnit.MILLISECONDS));
        long sweep = Math.max(50, Math.min(1000, config.authTimeoutMillis() / 4));
        tasks.add(scheduler.scheduleWithFixedDelay(() -> {
            // One sweep at a time: a sweep closing many connections must not have more queued behind it.
            if (!awaitingAuth.isEmpty() && sweepingAuthWaits.compareAndSet(false, true)
                    && !onCloser(this::expireAuthWaits)) {
                sweepingAuthWaits.set(false);
            }
        }, sweep, sweep, TimeUnit.MILLISECONDS));
        LOG.info(() -> "Herald node " + id + " started on " + engine.description() + " (" + config.describe() + ")");
    }

    /** Waits until the engine subscription is in place; returns whether it is. */
    public boolean awaitSubscribed(long timeout, TimeUnit unit) throws InterruptedException {
        return subscribed.await(timeout, unit);
    }

    public String id() {
        return id;
    }

    /** Whether the engine subscription is in place, so that this node receives notices now. */
    public boolean isReceiving() {
        return receiving;
    }


    public HeraldConfig config() {
        return config;
    }

    public NoticeCodec codec() {
        return codec;
    }

    public Hub hub() {
        return hub;
    }

    public NoticeRouter router() {
        return router;
    }

    public SessionRegistry registry() {
        return registry;
    }

    /**
     * Sends one notice: stamps it, encodes it once and hands it to the engine.
     *
     * @throws InvalidNoticeException when the encoded notice is larger than {@code herald.notice.max-bytes}
     * @throws HeraldUnavailableException when the engine cannot be reached in time
     */
    public String send(Notice notice) {
        NoticeCodec.Draft draft = codec.draft(notice);
        String id = nextId();
        broker.publish(draft.to(), encode(id, draft));
        return id;
    }

    /** Sends every notice in order, all validated before any is sent; returns their ids. */
    public List<String> sendAll(List<Notice> notices) {
        List<NoticeCodec.Draft> drafts = new ArrayList<>(notices.size());
        for (int i = 0; i < notices.size(); i++) {
            Notice notice = notices.get(i);
            if (notice == null) {
                throw new InvalidNoticeException("notice " + i + " is null", i);
            }
            drafts.add(codec.draft(notice));
        }
        return sendDrafts(drafts);
    }

    /**
     * Sends notices whose payloads are already JSON text (as {@link NoticeCodec#readNotices} reads them), in
     * order, all checked for size before any is sent; returns their ids.
     */
    public List<String> sendDrafts(List<NoticeCodec.Draft> drafts) {
        List<Broker.Outgoing> outgoing = new ArrayList<>(drafts.size());
        List<String> ids = new ArrayList<>(drafts.size());
        for (int i = 0; i < drafts.size(); i++) {
            NoticeCodec.Draft draft = drafts.get(i);
            String id = nextId();
            try {
                outgoing.add(new Broker.Outgoing(draft.to(), encode(id, draft)));
            } catch (InvalidNoticeException invalid) {
                throw new InvalidNoticeException(invalid.getMessage(), i);
            }
            ids.add(id);
        }
        if (!outgoing.isEmpty()) {
            broker.publishAll(outgoing);
        }
        return ids;
    }

    private String nextId() {
        return id + "-" + Long.toString(noticeSequence.incrementAndGet(), 36);
    }

    /** Stamps a notice with its id and this moment, as Herald's own engine message. */
    private String encode(String noticeId, NoticeCodec.Draft draft) {
        return codec.checkSize(codec.encodeFramed(draft.to(),
                codec.frame(noticeId, System.currentTimeMillis(), draft.event(), draft.data())));
    }

    /**
     * Connects a new session of {@code user}: adds it to this node and registers it with the engine, and only
     * then lets its {@code welcome} frame go, first of all its frames, followed by a ping; notices that reach it
     * meanwhile wait behind the welcome. A connection that closed while it was being registered ends
     * unregistered, whether or not the container reported the close: at once where the container knows it is
     * closed, else once nothing came back for {@code herald.ws.auth-timeout} (Tyrus may never report the close
     * of a connection that ended while {@code @OnOpen} ran, and the first writes to it succeed).
     *
     * @throws HeraldUnavailableException when the engine cannot register it; nothing stays registered and
     *     nothing was sent then
     */
    public SessionSender connect(String user, Transport transport) {
        if (stopped.getCount() == 0) {
            throw new HeraldUnavailableException("node " + id + " is shutting down", null);
        }
        if (!knownToRegistry) {
            // The node must be known alive before its first session is registered: otherwise, should it die
            // before its first heartbeat, no other node would ever purge that session.
            beat();
        }
        SessionSender session = new SessionSender(sessionIds.next(), user, transport, config.sessionQueueLimit(),
                config.sessionBufferLimit(), closer, true);
        session.offer(codec.frame("welcome", "session", session.id(), "user", user));
        hub.add(session);
        try {
            registry.register(id, user, session.id());
        } catch (RuntimeException e) {
            hub.remove(session);
            throw e;
        }
        if (session.isClosed() || !transport.isOpen()) {
            // Closed while registering; the container may not report a close that raced the opening.
            session.close(CLOSE_GOING_AWAY, "closed while connecting");
            disconnect(session);
            return session;
        }
        session.start();
        ping(session); // a live client answers at once: see pingSlot
        return session;
    }

    /** A connection as far as closing it goes; the WebSocket endpoint's, while it waits for its auth frame. */
    @FunctionalInterface
    public interface Connection {
        void close(int code, String reason);
    }

    /**
     * Starts the wait for the auth frame of a connection that opened without an identity: unless
     * {@link #authArrived} ends the wait within {@code herald.ws.auth-timeout}, the node closes the connection
     * with {@link #CLOSE_UNAUTHORIZED} (checked every quarter of the timeout, between 50 ms and 1 s), and if
     * the node stops first, with {@link #CLOSE_GOING_AWAY}. Closing runs on the executor that closes
     * connections.
     *
     * @throws HeraldUnavailableException when this node has stopped; nothing waits then
     */
    public void awaitAuth(Connection connection) {
        awaitingAuth.put(connection, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.authTimeoutMillis()));
        if (stopped.getCount() == 0 && awaitingAuth.remove(connection) != null) {
            throw new HeraldUnavailableException("node " + id + " is shutting down", null);
        }
    }

    /**
     * Ends the wait that {@link #awaitAuth} started, when the connection's first frame arrived or the
     * connection closed.
     *
     * @return {@code false} if the wait was already over: the node closed the connection or is closing it
     */
    public boolean authArrived(Connection connection) {
        return awaitingAuth.remove(connection) != null;
    }

    /**
     * The token of a connection's first frame, {@code {"type":"auth","token":"JWT"}}, not yet verified.
     *
     * @throws InvalidNoticeException saying what is wrong with the frame; the message is safe to send back
     */
    public String authToken(String frame) {
        JsonValue value;
        try {
            value = codec.read(frame, "auth frame");
        } catch (InvalidNoticeException e) {
            value = null;
        }
        if (!"auth".equals(typeOf(value))) {
            throw new InvalidNoticeException("the first frame must be {\"type\":\"auth\",\"token\":JWT}");
        }
        if (!(value.asJsonObject().get("token") instanceof JsonString token)) {
            throw new InvalidNoticeException("the auth frame has no string 'token'");
        }
        return token.getString();
    }

    /** The {@code type} of a client frame: a JSON object with a string {@code type}; {@code null} for anything else. */
    private static String typeOf(JsonValue frame) {
        return frame instanceof JsonObject object && object.get("type") instanceof JsonString type
                ? type.getString() : null;
    }

    private void expireAuthWaits() {
        try {
            long now = System.nanoTime();
            int[] closed = {0};
            awaitingAuth.forEach((connection, deadline) -> {
                if (now - deadline >= 0 && awaitingAuth.remove(connection, deadline)) {
                    closeQuietly(connection, CLOSE_UNAUTHORIZED,
                            "unauthorized: no auth frame within " + config.authTimeoutMillis() + " ms");
                    closed[0]++;
                }
            });
            if (closed[0] > 0) {
                LOG.info(() -> "Closed " + closed[0] + " WebSocket connection(s) that sent no auth frame within "
                        + config.authTimeoutMillis() + " ms");
            }
        } finally {
            sweepingAuthWaits.set(false);
        }
    }

    private static void closeQuietly(Connection connection, int code, String reason) {
        try {
            connection.close(code, reason);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Closing a connection failed", e);
        }
    }

    /**
     * Hands {@code work} to the closer executor; returns whether it took it (it refuses work once the container
     * is stopping). Never throws: a scheduled task that throws is never run again.
     */
    private boolean onCloser(Runnable work) {
        try {
            closer.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.fine("The closer executor refused a task; the node is stopping");
            return false;
        }
    }

    /**
     * Runs {@code task} soon on the executor that closes connections (closing may block); on this thread when
     * that executor refuses it (the container is stopping).
     */
    public void later(Runnable task) {
        if (!onCloser(task)) {
            task.run();
        }
    }

    /** Forgets a session that closed: locally and in the engine; idempotent. */
    public void disconnect(SessionSender session) {
        if (hub.remove(session)) {
            try {
                registry.unregister(id, session.user(), session.id());
            } catch (HeraldUnavailableException e) {
                // The entry is removed by the next reconcile (every few heartbeats) once Redis answers.
                LOG.fine(() -> "Could not unregister " + session.id() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Handles one text frame from an authenticated client: {@code {"type":"ping"}} is answered with
     * {@code pong}; anything else (a second {@code auth} included) gets an {@code error} frame and the
     * connection stays open.
     */
    public void receive(SessionSender session, String text) {
        session.heard();
        JsonValue frame;
        try {
            frame = codec.read(text, "frame");
        } catch (InvalidNoticeException e) {
            refuse(session, "bad_frame", e.getMessage());
            return;
        }
        String type = typeOf(frame);
        if (type == null) {
            refuse(session, "bad_frame", "a frame must be a JSON object with a string 'type'");
        } else if ("ping".equals(type)) {
            session.pong();
        } else if ("auth".equals(type)) {
            refuse(session, "bad_frame", "this connection is already authenticated; to change user or token, reconnect");
        } else {
            refuse(session, "unknown_type", "unknown frame type '" + LogLimit.printable(type, 40) + "'");
        }
    }

    /** Answers a client frame that Herald does not take with an error frame, and logs it (rate limited). */
    private void refuse(SessionSender session, String code, String message) {
        badFrames.log(() -> "Session " + session.id() + " of " + LogLimit.printable(session.user(), 64)
                + " sent a frame refused with " + code + ": " + LogLimit.printable(message, 200));
        session.reply(codec.frame("error", "code", code, "message", message));
    }

    private void subscribeLoop() {
        while (stopped.getCount() > 0) {
            try {
                broker.run(id, router::route, this::onSubscribed);
                if (stopped.getCount() > 0) {
                    throw new HeraldUnavailableException("subscription ended", null);
                }
            } catch (Throwable e) { // the loop must outlive anything the engine or a message throws
                receiving = false;
                if (stopped.getCount() == 0) {
                    return;
                }
                subscription.failed(e);
                long pause = backoffMillis;
                backoffMillis = Math.min(pause * 2, MAX_BACKOFF_MILLIS);
                try {
                    stopped.await(pause / 2 + (long) (Math.random() * pause / 2), TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        receiving = false;
    }

    private void onSubscribed() {
        backoffMillis = INITIAL_BACKOFF_MILLIS;
        receiving = true;
        subscription.recovered();
        subscribed.countDown();
        // Redis may have come back empty: do not wait for the next beat to re-register.
        if (stopped.getCount() > 0) {
            try {
                scheduler.execute(this::beat);
            } catch (RejectedExecutionException e) {
                LOG.fine("Scheduler is shutting down; no immediate heartbeat");
            }
        }
    }

    private synchronized void beat() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            if (registry.heartbeat(id, config.nodeTtlMillis())) {
                if (knownToRegistry) {
                    LOG.warning(() -> "The registry had lost node " + id + "; registering its " + hub.size()
                            + " session(s) again");
                }
                mustRegisterAgain = true;
            }
            if (mustRegisterAgain) {
                // Cleared only once every session is back in, so a failure half-way is retried next beat.
                Map<String, String> sessions = new LinkedHashMap<>();
                for (SessionSender s : hub.all()) {
                    sessions.put(s.id(), s.user());
                }
                registry.registerAll(id, sessions);
                mustRegisterAgain = false;
                knownToRegistry = true;
            }
            if (++beats % RECONCILE_EVERY_BEATS == 0) {
                reconcile();
            }
            List<String> purged = registry.purgeDeadNodes();
            if (!purged.isEmpty()) {
                LOG.info(() -> "Purged the sessions of dead node(s) " + purged);
            }
            broker.keepAlive();
            heartbeat.recovered();
        } catch (RuntimeException e) {
            heartbeat.failed(e);
        }
    }

    /**
     * Removes from the registry this node's entries for sessions it no longer holds (an unregister that failed
     * during a Redis blip). Safe against concurrent connects: a session is in the hub before it is registered.
     */
    private void reconcile() {
        Map<String, String> stale = new LinkedHashMap<>();
        registry.sessionsOn(id).forEach((sessionId, user) -> {
            if (hub.get(sessionId) == null) {
                stale.put(sessionId, user);
            }
        });
        if (!stale.isEmpty()) {
            registry.unregisterAll(id, stale);
            LOG.info(() -> "Removed " + stale.size() + " stale registry entries of node " + id);
        }
    }

    /**
     * One tick of the ping round: forgets sessions whose connection closed unreported, closes sessions that
     * never answered their first ping within the auth timeout, or silent past the idle timeout, or stalled past the
     * send timeout, and pings the sessions of this tick's slot that had no traffic both ways lately. A session's
     * slot comes from its id, so each is considered once per ping interval, and the round's pings (and the
     * pongs they bring back) are spread over the interval instead of leaving in one burst. Runs on the closer
     * executor, not the scheduler, as some containers' pings block on a congested connection. The idle check
     * is Herald's own: a container idle timeout costs a timer reschedule on every send (Tyrus).
     */
    private void pingSlot() {
        int slot = Math.floorMod(pingTicks.getAndIncrement(), pingSlots);
        long idle = TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMillis());
        long firstAnswer = TimeUnit.MILLISECONDS.toNanos(config.authTimeoutMillis());
        long stall = TimeUnit.MILLISECONDS.toNanos(config.sessionSendTimeoutMillis());
        // A session with traffic both ways within (about) the last interval needs no ping: the client is alive
        // and intermediaries saw traffic. One tick less than the interval, so that the pong to this session's
        // last ping, heard just after it, never makes its next ping redundant; and only while the next round
        // still comes well before the idle timeout.
        long interval = TimeUnit.MILLISECONDS.toNanos(config.pingIntervalMillis());
        long recent = interval * (pingSlots - 1) / pingSlots;
        for (SessionSender s : hub.all()) {
            if (!s.started()) {
                continue; // still registering: connect() checks it once registered
            }
            if (s.isClosed() || !s.transport().isOpen()) {
                disconnect(s); // a close the container did not report (or has yet to)
                continue;
            }
            if (!s.heardSinceConnected() && s.ageNanos() > firstAnswer) {
                s.close(CLOSE_IDLE, "no answer to the first ping within " + config.authTimeoutMillis() + " ms");
                continue;
            }
            if (s.silentNanos() > idle) {
                s.close(CLOSE_IDLE, "idle: nothing heard for " + config.idleTimeoutMillis() + " ms");
                continue;
            }
            if (s.stalledNanos() > stall) {
                s.close(SessionSender.CLOSE_TOO_SLOW, "too slow: a send took over "
                        + config.sessionSendTimeoutMillis() + " ms");
                continue;
            }
            if (Math.floorMod(s.id().hashCode(), pingSlots) != slot
                    || s.busyWithin(recent) && s.silentNanos() + 2 * interval < idle) {
                continue;
            }
            ping(s);
        }
    }

    private static void ping(SessionSender s) {
        try {
            s.pinged();
            s.transport().ping();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Ping to " + s.id() + " failed; closing it", e);
            s.close(1011, "ping failed");
        }
    }

    /** Stops the loops, closes local sessions with {@link #CLOSE_GOING_AWAY} and removes this node from the engine. */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        stopped.countDown();
        tasks.forEach(t -> t.cancel(false));
        for (SessionSender s : hub.all()) {
            s.close(CLOSE_GOING_AWAY, "node shutting down");
        }
        for (Connection c : List.copyOf(awaitingAuth.keySet())) {
            if (awaitingAuth.remove(c) != null) {
                later(() -> closeQuietly(c, CLOSE_GOING_AWAY, "node shutting down"));
            }
        }
        try {
            registry.removeNode(id);
        } catch (RuntimeException e) {
            LOG.info(() -> "Could not remove node " + id + " from the registry (" + e.getMessage()
                    + "); the other nodes purge it within herald.node.ttl");
        }
        engine.close();
        if (subscriber != null) {
            try {
                subscriber.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info(() -> "Herald node " + id + " stopped");
    }

    /**
     * Stops this node as a killed process would: no more heartbeat or subscription, no clean-up of its
     * registry entries and no close frames. For tests of dead-node purging.
     */
    synchronized void haltAsIfKilled() {
        stopped.countDown();
        tasks.forEach(t -> t.cancel(false));
        engine.close();
    }

    private static String randomSuffix() {
        SecureRandom random = new SecureRandom();
        char[] out = new char[8];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }

    /** Logs the start of an outage once and its end once, whatever the number of attempts between. */
    private static final class Outage {
        private final String what;
        private long since;

        Outage(String what) {
            this.what = what;
        }

        synchronized void failed(Throwable e) {
            if (since == 0) {
                since = System.currentTimeMillis();
                LOG.warning("Herald " + what + " failed: " + e + "; retrying until it is back");
            }
        }

        synchronized void recovered() {
            if (since != 0) {
                long down = System.currentTimeMillis() - since;
                since = 0;
                LOG.info("Herald " + what + " restored after " + down + " ms");
            }
        }
    }
}
