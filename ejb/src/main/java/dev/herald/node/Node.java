package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import dev.herald.HeraldUnavailableException;
import dev.herald.InvalidNoticeException;
import dev.herald.Notice;
import dev.herald.Recipient;
import dev.herald.engine.Broker;
import dev.herald.engine.Draft;
import dev.herald.engine.Engine;
import dev.herald.engine.NoticeCodec;
import dev.herald.engine.SessionIds;
import dev.herald.engine.SessionRegistry;
import jakarta.json.spi.JsonProvider;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One Herald node: the composition root that ties an engine to this JVM's sessions.
 *
 * <p>It runs the engine subscription on its own thread in a loop that never dies (on failure: log once per
 * outage, back off up to {@value #MAX_BACKOFF_MILLIS} ms, resubscribe), and on a scheduler its {@link Liveness}
 * (heartbeat, re-registration, purge of dead nodes), its {@link PingRound} and its {@link AuthWaits}; it stamps
 * and sends notices, connects sessions, and hands their frames to the {@link ClientProtocol}. The
 * container supplies the threads ({@code HeraldNode} passes Jakarta Concurrency's managed ones); tests pass
 * plain ones. Thread safe.
 */
public final class Node implements AutoCloseable {

    /** Close code when the engine cannot register a new session: the client should retry later. */
    public static final int CLOSE_TRY_AGAIN_LATER = 1013;
    /** Close code when this node shuts down. */
    public static final int CLOSE_GOING_AWAY = 1001;
    /** Close code for a session refused because its user has {@code herald.session.max-per-user} open already. */
    public static final int CLOSE_TOO_MANY_SESSIONS = 4430;
    /** Close code for a client not heard from (no frame, no pong) for {@code herald.ws.idle-timeout}. */
    public static final int CLOSE_IDLE = 4408;
    /** Close code for a connection without a valid identity, or whose auth frame did not come in time. */
    public static final int CLOSE_UNAUTHORIZED = 4401;

    static final long INITIAL_BACKOFF_MILLIS = 100;
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
    private final FanOut fanOut;
    private final NoticeRouter router;
    private final LocalChannels channels;
    private final Memberships memberships;
    private final NodePresence presence;
    private final Resumes resumes;
    private final NodeInbox inbox;
    private final dev.herald.engine.History.Retention retention;
    /** Whether the engine subscription was lost since it was last in place: then sessions may have missed notices. */
    private volatile boolean lostSubscription;
    private final ClientProtocol protocol;
    private final AuthWaits authWaits;
    private final PingRound pings;
    private final Liveness liveness;
    private final ThreadFactory threads;
    private final ScheduledExecutorService scheduler;
    private final Executor closer;
    private final Closer closing = this::onCloser;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Outage subscription = new Outage("subscription");
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile NodeEvents events = NodeEvents.NONE;
    private volatile AfterCommit afterCommit;
    private final NodeMetrics metrics;
    private final RecentFailures failures = new RecentFailures();
    private volatile long backoffMillis = INITIAL_BACKOFF_MILLIS;
    private volatile boolean receiving;
    private volatile boolean draining;
    private Thread subscriber;

    /** Runs work on the executor that closes connections. */
    interface Closer {
        /** Hands {@code work} over; {@code false} when the executor refuses it (the container is stopping). */
        boolean tryExecute(Runnable work);

        /** Runs {@code work} on the executor, or here when it refuses it. */
        default void later(Runnable work) {
            if (!tryExecute(work)) {
                work.run();
            }
        }
    }

    /** A node whose channels are those {@code herald.channels.open} opens (no application authorizer). */
    public Node(HeraldConfig config, Engine engine, ThreadFactory threads, ScheduledExecutorService scheduler,
            Executor closer) {
        this(config, engine, null, threads, scheduler, closer);
    }

    /**
     * @param authorizer the application's channel authorizer, or {@code null} for the channels that
     *     {@code herald.channels.open} opens
     * @param threads makes the long-lived subscriber thread
     * @param scheduler runs the heartbeat and pings
     * @param closer closes connections, which may block
     */
    public Node(HeraldConfig config, Engine engine, ChannelAuthorizer authorizer, ThreadFactory threads,
            ScheduledExecutorService scheduler, Executor closer) {
        this.config = config;
        this.engine = engine;
        this.broker = engine.broker();
        this.registry = engine.registry();
        this.id = config.nodeName() + "-" + randomSuffix();
        this.sessionIds = new SessionIds(id);
        this.codec = new NoticeCodec(JsonProvider.provider(), config.maxNoticeBytes());
        this.fanOut = new FanOut(config.fanoutInlineMax(), threads);
        this.router = new NoticeRouter(codec, hub, control -> later(() -> onControl(control)), fanOut);
        this.memberships = new Memberships(id, engine.members(), broker, codec,
                Memberships.announcing(authorizer, config.joinLeavePrefixes()), config.leaveGraceMillis(),
                config.presenceMaxUsers(), scheduler);
        this.presence = new NodePresence(registry, engine.members(), config.presenceMaxUsers());
        this.channels = new LocalChannels(hub, broker, memberships, config.sessionMaxChannels());
        this.retention = engine.retention();
        this.resumes = new Resumes(engine.history(), retention, config.replayMax(), codec, router::nextBurst);
        this.inbox = new NodeInbox(engine.history(), retention);
        this.protocol = new ClientProtocol(codec, channels,
                authorizer != null ? authorizer : new OpenChannels(config.openChannelPrefixes()), this::publish,
                presence, resumes, this::later);
        this.authWaits = new AuthWaits(config.authTimeoutMillis(), closing);
        this.pings = new PingRound(config, hub, this::disconnect);
        this.liveness = new Liveness(id, config.nodeTtlMillis(), registry, memberships, broker, hub,
                () -> stopped.getCount() > 0);
        this.threads = threads;
        this.scheduler = scheduler;
        this.closer = closer;
        this.afterCommit = new AfterCommit(null, this::publish, scheduler, config.txRetryForMillis());
        this.metrics = new NodeMetrics(this);
    }

    /** Tells {@code events} of sessions opening and closing and of clients' publishes; call before {@link #start}. */
    public void events(NodeEvents events) {
        this.events = events;
    }

    /** Starts the subscription loop, the heartbeat and the pings; returns at once, even if Redis is down. */
    public synchronized void start() {
        failures.install();
        subscriber = threads.newThread(this::subscribeLoop);
        subscriber.setName("herald-subscriber-" + id);
        subscriber.start();
        tasks.add(scheduler.scheduleWithFixedDelay(liveness::beat, 0, config.heartbeatMillis(), TimeUnit.MILLISECONDS));
        tasks.add(scheduler.scheduleWithFixedDelay(() -> onCloser(pings::tick), pings.tickMillis(),
                pings.tickMillis(), TimeUnit.MILLISECONDS));
        tasks.add(scheduler.scheduleWithFixedDelay(authWaits::sweepSoon, authWaits.sweepMillis(),
                authWaits.sweepMillis(), TimeUnit.MILLISECONDS));
        LOG.info(() -> "Herald node " + id + " started on " + engine.description() + " (" + config.describe() + ")");
    }

    /** Waits until the engine subscription is in place; returns whether it is. */
    public boolean awaitSubscribed(long timeout, TimeUnit unit) throws InterruptedException {
        return subscribed.await(timeout, unit);
    }

    public String id() {
        return id;
    }

    /** Whether this node is stopping or stopped: it takes no new session. */
    public boolean isStopped() {
        return stopped.getCount() == 0;
    }

    /** Whether this node drains (see {@link #drain}): it takes no new session. */
    public boolean isDraining() {
        return draining;
    }

    /**
     * Drains this node, so that it can be stopped without a burst of reconnects: from now on it refuses new
     * sessions ({@link HeraldUnavailableException}, which the endpoint answers with {@link #CLOSE_TRY_AGAIN_LATER})
     * and its readiness is down, and it closes its sessions with {@link #CLOSE_GOING_AWAY}, spread evenly over
     * {@code spreadMillis} (in steps of 100 ms), so that their clients resume on other nodes a few at a time. It
     * goes on sending and receiving notices. Idempotent while draining.
     *
     * @return how many sessions it will close
     */
    public int drain(long spreadMillis) {
        List<SessionSender> sessions;
        synchronized (this) {
            if (draining || isStopped()) {
                return 0;
            }
            draining = true;
            sessions = new ArrayList<>(hub.all());
        }
        LOG.info(() -> "Draining node " + id + ": closing its " + sessions.size() + " session(s) over " + spreadMillis
                + " ms");
        long steps = Math.max(1, spreadMillis / 100);
        int perStep = (int) Math.ceil(sessions.size() / (double) steps);
        for (int step = 0; step * perStep < sessions.size(); step++) {
            List<SessionSender> batch = sessions.subList(step * perStep, Math.min(sessions.size(), (step + 1) * perStep));
            Runnable closing = () -> batch.forEach(session -> session.close(CLOSE_GOING_AWAY, "node draining"));
            if (step == 0) {
                closing.run();
            } else {
                try {
                    scheduler.schedule(closing, step * 100L, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    closing.run();
                }
            }
        }
        return sessions.size();
    }

    /** Ends a {@link #drain}: the node takes new sessions again (those it closed stay closed). */
    public synchronized void undrain() {
        if (draining) {
            draining = false;
            LOG.info(() -> "Node " + id + " takes new sessions again");
        }
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

    /** The warnings and errors Herald logged lately, for the admin page. */
    public RecentFailures recentFailures() {
        return failures;
    }

    /** This node's engine, as its startup line names it. */
    public String engineDescription() {
        return engine.description();
    }

    /** This node's metrics. */
    public NodeMetrics metrics() {
        return metrics;
    }

    /** The reads of sessions' places in their streams (for metrics). */
    Resumes resumes() {
        return resumes;
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

    /** Who is connected and subscribed to what, across the cluster. */
    public dev.herald.Presence presence() {
        return presence;
    }

    /**
     * Sends one notice: stamps it, encodes it once and hands it to the engine.
     *
     * @throws InvalidNoticeException when the encoded notice is larger than {@code herald.notice.max-bytes}
     * @throws HeraldUnavailableException when the engine cannot be reached in time
     */
    public String send(Notice notice) {
        Draft draft = codec.draft(notice);
        String id = nextId();
        publish(outgoing(id, null, draft));
        return id;
    }

    private void publish(Broker.Outgoing outgoing) {
        engine(() -> {
            broker.publish(outgoing);
            return null;
        });
        metrics.countSent(outgoing.to().kind());
    }

    /** Runs one call to the engine, counting it in the metrics when the engine cannot be reached. */
    private <T> T engine(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (HeraldUnavailableException e) {
            metrics.engineFailed();
            throw e;
        }
    }

    /** Sends every notice in order, all validated before any is sent; returns their ids. */
    public List<String> sendAll(List<Notice> notices) {
        Prepared prepared = prepare(notices);
        publish(prepared);
        return prepared.ids();
    }

    /**
     * Sends notices whose payloads are already JSON text (as {@link dev.herald.engine.RestNotices} reads them), in
     * order, all checked for size before any is sent; returns their ids.
     */
    public List<String> sendDrafts(List<Draft> drafts) {
        Prepared prepared = prepareDrafts(drafts);
        publish(prepared);
        return prepared.ids();
    }

    /**
     * Sends every notice as {@link #sendAll} does, but as the caller's JTA transaction decides (see
     * {@link #transactions}): after it commits, never if it rolls back, at once outside a transaction. Returns
     * their ids at once.
     *
     * @throws InvalidNoticeException when a notice is invalid; none is sent then
     * @throws HeraldUnavailableException only when sent at once and the engine cannot be reached in time
     */
    public List<String> sendAfterCommit(List<Notice> notices) {
        Prepared prepared = prepare(notices);
        afterCommit.send(prepared);
        return prepared.ids();
    }

    /**
     * Makes {@link #sendAfterCommit} follow the transactions of {@code registry}, the platform's; until then it
     * sends at once.
     */
    public void transactions(jakarta.transaction.TransactionSynchronizationRegistry registry) {
        afterCommit = new AfterCommit(registry, this::publish, scheduler, config.txRetryForMillis());
    }

    /** The notices held for, dropped with and lost after transactions (for metrics). */
    public TransactionCounts transactionCounts() {
        AfterCommit a = afterCommit;
        return new TransactionCounts(a.held(), a.dropped(), a.failures(), a.lost());
    }

    /**
     * Counts since start: notices {@code held} for their transaction's commit, {@code dropped} with a rollback,
     * {@code failures} to publish after a commit (each retried or given up), notices {@code lost} after it.
     */
    public record TransactionCounts(long held, long dropped, long failures, long lost) {
    }

    /** Notices stamped with their ids and encoded, ready for {@link #publish(Prepared)}; lists in the same order. */
    public record Prepared(List<String> ids, List<Broker.Outgoing> outgoing) {
    }

    /**
     * Stamps and encodes every notice, in order, sending none: what {@link #sendAll} does before it publishes.
     *
     * @throws InvalidNoticeException for the first invalid notice (null, or too large once encoded)
     */
    public Prepared prepare(List<Notice> notices) {
        List<Draft> drafts = new ArrayList<>(notices.size());
        for (int i = 0; i < notices.size(); i++) {
            Notice notice = notices.get(i);
            if (notice == null) {
                throw new InvalidNoticeException("notice " + i + " is null", i);
            }
            drafts.add(codec.draft(notice));
        }
        return prepareDrafts(drafts);
    }

    private Prepared prepareDrafts(List<Draft> drafts) {
        List<Broker.Outgoing> outgoing = new ArrayList<>(drafts.size());
        List<String> ids = new ArrayList<>(drafts.size());
        for (int i = 0; i < drafts.size(); i++) {
            Draft draft = drafts.get(i);
            String id = nextId();
            try {
                outgoing.add(outgoing(id, null, draft));
            } catch (InvalidNoticeException invalid) {
                throw new InvalidNoticeException(invalid.getMessage(), i);
            }
            ids.add(id);
        }
        return new Prepared(List.copyOf(ids), List.copyOf(outgoing));
    }

    /**
     * Hands prepared notices to the engine, in order, in as few round trips as it allows.
     *
     * @throws HeraldUnavailableException when the engine cannot be reached in time
     */
    public void publish(Prepared prepared) {
        if (prepared.outgoing().isEmpty()) {
            return;
        }
        engine(() -> {
            broker.publishAll(prepared.outgoing());
            return null;
        });
        for (Broker.Outgoing o : prepared.outgoing()) {
            metrics.countSent(o.to().kind());
        }
    }

    private String nextId() {
        return id + "-" + Long.toString(noticeSequence.incrementAndGet(), 36);
    }

    /**
     * Stamps a notice with its id and this moment, as Herald's own engine message: one to keep in its
     * recipient's stream when that kind of stream keeps notices.
     */
    private Broker.Outgoing outgoing(String noticeId, String from, Draft draft) {
        String frame = codec.frame(noticeId, draft.to(), from, draft.isUrgent(), System.currentTimeMillis(),
                draft.event(), draft.data(), draft.base64());
        if (retention.keeps(draft.to()) && !draft.isTransient()) {
            return new Broker.Outgoing(draft.to(),
                    codec.checkSize(codec.encodeKept(draft.to(), frame), NoticeCodec.KEPT_RESERVE), true);
        }
        return new Broker.Outgoing(draft.to(), codec.checkSize(codec.encodeFramed(draft.to(), frame)));
    }

    /**
     * Subscribes every session of {@code user} connected now, on every node, to {@code channel} (or unsubscribes
     * them), without asking the authorizer: one control request to the nodes that hold the user.
     *
     * @throws dev.herald.InvalidNoticeException for an invalid user id or channel name
     * @throws HeraldUnavailableException when the engine cannot be reached in time
     */
    public void subscribe(String user, String channel, boolean subscribe) {
        broker.publish(Recipient.user(user), codec.encode(new NoticeCodec.Control(subscribe, user, channel)));
    }

    /**
     * How the auth frame {@code frame} asks to pick up its user's stream ({@code since}, {@code inbox}); the frame
     * was accepted by the authenticator.
     *
     * @throws InvalidNoticeException when its {@code since} is not a position or its {@code inbox} not a boolean
     */
    public Resume authResume(String frame) {
        return protocol.authResume(frame);
    }

    /** The inboxes of this node's engine. */
    public dev.herald.Inbox inbox() {
        return inbox;
    }

    /** Carries out a control request for this node's sessions of its user; off the subscriber thread. */
    private void onControl(NoticeCodec.Control control) {
        for (SessionSender session : hub.ofUser(control.user())) {
            // A session still connecting is answered after its welcome.
            session.afterWelcome(control.subscribe() ? () -> protocol.subscribeOnServer(session, control.channel())
                    : () -> protocol.unsubscribeOnServer(session, control.channel()));
        }
    }

    /** Sends a notice a client published on a channel, with its user as {@code from}; returns its id. */
    private String publish(String from, Draft draft) {
        String id = nextId();
        publish(outgoing(id, from, draft));
        events.published(new dev.herald.ClientPublished(from, draft.to().id(), id, draft.event(), draft.data()));
        return id;
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
     * @throws SessionLimitException when the user has {@code herald.session.max-per-user} sessions open already
     */
    public SessionSender connect(String user, Transport transport) {
        return connect(user, transport, Resume.NONE);
    }

    /**
     * Connects a new session of {@code user} as {@link #connect(String, Transport)} does; where notices to users
     * are kept, its {@code welcome} carries its place in its user's stream (the stream's epoch and last offset
     * once the session is registered) and, with {@code since}, whether the notices after it are all replayed:
     * they follow the welcome, then the live ones, none missing and none twice.
     *
     * @param since the client's position in its user's stream, or {@code null} for none
     */
    public SessionSender connect(String user, Transport transport, dev.herald.engine.History.Position since) {
        return connect(user, transport, new Resume(since, false));
    }

    /**
     * Connects a new session of {@code user} as {@link #connect(String, Transport, dev.herald.engine.History.Position)}
     * does; with {@link Resume#inbox()} (and no position), the user's unread notices follow the welcome, which
     * says how many there are ({@code unread}).
     */
    public SessionSender connect(String user, Transport transport, Resume resume) {
        if (stopped.getCount() == 0) {
            throw new HeraldUnavailableException("node " + id + " is shutting down", null);
        }
        if (draining) {
            throw new HeraldUnavailableException("node " + id + " is draining", null);
        }
        int maxPerUser = config.sessionMaxPerUser();
        if (maxPerUser > 0 && engine(() -> registry.countOf(user)) >= maxPerUser) {
            throw new SessionLimitException(user, maxPerUser);
        }
        if (!liveness.known()) {
            liveness.beat();
        }
        boolean kept = resumes.keepsUsers();
        SessionSender session = kept
                ? new SessionSender(sessionIds.next(), user, transport, config.sessionQueueLimit(),
                        config.sessionBufferLimit(), closer)
                : new SessionSender(sessionIds.next(), user, transport, config.sessionQueueLimit(),
                        config.sessionBufferLimit(), closer, true);
        String welcome = codec.frame("welcome", "session", session.id(), "user", user);
        if (!kept) {
            session.offer(welcome);
        }
        session.measure(metrics::delivered);
        hub.add(session);
        try {
            registry.register(id, user, session.id());
            if (kept) {
                resumes.connected(session, welcome, resume); // after registering: its notices come here from now on
            }
        } catch (RuntimeException e) {
            hub.remove(session);
            if (kept) {
                quietlyUnregister(session);
            }
            if (e instanceof HeraldUnavailableException) {
                metrics.engineFailed();
            }
            throw e;
        }
        if (session.isClosed() || !transport.isOpen()) {
            // Closed while registering; the container may not report a close that raced the opening.
            session.close(CLOSE_GOING_AWAY, "closed while connecting");
            disconnect(session);
            return session;
        }
        events.opened(new dev.herald.SessionOpened(user, session.id(), id));
        session.start();
        PingRound.ping(session); // a live client answers at once: see PingRound
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
        authWaits.await(connection, id);
    }

    /**
     * Ends the wait that {@link #awaitAuth} started, when the connection's first frame arrived or the
     * connection closed.
     *
     * @return {@code false} if the wait was already over: the node closed the connection or is closing it
     */
    public boolean authArrived(Connection connection) {
        return authWaits.arrived(connection);
    }

    /**
     * The token of a connection's first frame, {@code {"type":"auth","token":"JWT"}}, not yet verified.
     *
     * @throws InvalidNoticeException saying what is wrong with the frame; the message is safe to send back
     */
    public String authToken(String frame) {
        return protocol.authToken(frame);
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
        closing.later(task);
    }

    private void quietlyUnregister(SessionSender session) {
        try {
            registry.unregister(id, session.user(), session.id());
        } catch (RuntimeException e) {
            LOG.fine(() -> "Could not unregister " + session.id() + ": " + e.getMessage()); // the reconcile will
        }
    }

    /** Forgets a session that closed: locally and in the engine; idempotent. */
    public void disconnect(SessionSender session) {
        disconnect(session, session.closeCode() != 0 ? session.closeCode() : 1006);
    }

    /**
     * Forgets a session that closed with {@code closeCode}: locally and in the engine, and tells the
     * {@link NodeEvents} of sessions that were opened; idempotent.
     */
    public void disconnect(SessionSender session, int closeCode) {
        if (hub.remove(session)) {
            metrics.closed(closeCode);
            if (session.started()) {
                events.closed(new dev.herald.SessionClosed(session.user(), session.id(), id, closeCode));
            }
            channels.leaveAll(session);
            try {
                registry.unregister(id, session.user(), session.id());
            } catch (HeraldUnavailableException e) {
                // The entry is removed by the next reconcile (every few heartbeats) once Redis answers.
                LOG.fine(() -> "Could not unregister " + session.id() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Handles one text frame from an authenticated client (see {@link ClientProtocol}): the connection stays
     * open whatever it says.
     */
    public void receive(SessionSender session, String text) {
        protocol.receive(session, text);
    }

    private void subscribeLoop() {
        while (stopped.getCount() > 0) {
            try {
                broker.run(id, router::route, this::onSubscribed, threads);
                if (stopped.getCount() > 0) {
                    throw new HeraldUnavailableException("subscription ended", null);
                }
            } catch (Throwable e) { // the loop must outlive anything the engine or a message throws
                receiving = false;
                metrics.engineFailed();
                lostSubscription = true;
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
        if (lostSubscription) {
            lostSubscription = false;
            metrics.resubscribed();
            // Notices published while the subscription was down never came: sessions behind their streams resume.
            later(() -> resumes.checkAfterOutage(hub, scheduler, Math.max(500, config.heartbeatMillis())));
        }
        // Redis may have come back empty: do not wait for the next beat to re-register.
        if (stopped.getCount() > 0) {
            try {
                scheduler.execute(liveness::beat);
            } catch (RejectedExecutionException e) {
                LOG.fine("Scheduler is shutting down; no immediate heartbeat");
            }
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
        authWaits.stop();
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
        fanOut.close();
        failures.uninstall();
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
        fanOut.close();
        failures.uninstall();
    }

    private static String randomSuffix() {
        SecureRandom random = new SecureRandom();
        char[] out = new char[8];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
