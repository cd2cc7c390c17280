package dev.herald.node;

import dev.herald.engine.Broker;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The channels this node's sessions are subscribed to: a session joins and leaves them, and the node holds the
 * engine's subscription of a channel exactly while it has a local member of it (subscribed on the first join,
 * unsubscribed after the last leave), so that a channel's notices reach only the nodes with subscribers. Each
 * join and leave is recorded in the cluster's presence ({@link Memberships}) before it returns.
 *
 * <p>The local part of joins and leaves runs one at a time, so that the engine sees the same order of first
 * joins and last leaves as the hub, and never blocks on the engine (see {@link Broker#subscribe}); the presence
 * part, one Redis round trip, runs outside that lock, in order for each session (under one of
 * {@value #STRIPES} locks that sessions share by their id). Thread safe.
 */
final class LocalChannels {

    private static final int STRIPES = 64;

    private final Hub hub;
    private final Broker broker;
    private final Memberships presence;
    private final int maxPerSession;
    private final Object[] stripes = new Object[STRIPES];

    LocalChannels(Hub hub, Broker broker, Memberships presence, int maxPerSession) {
        this.hub = hub;
        this.broker = broker;
        this.presence = presence;
        this.maxPerSession = maxPerSession;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /** The lock that orders {@code session}'s presence records. */
    private Object stripe(SessionSender session) {
        return stripes[Math.floorMod(session.id().hashCode(), STRIPES)];
    }

    /** A join that took: whether it made a new subscription, and when the node receives the channel's notices. */
    record Joined(boolean added, CompletionStage<Void> delivered) {
    }

    /**
     * Subscribes {@code session} to {@code channel} (again, harmlessly, if it is already); when {@code kept}, with
     * a cursor in the channel's stream whose frames wait until the session's place is read.
     *
     * @return whether the subscription is new, and a stage that completes once this node receives the
     *     channel's notices, so that any published after it reaches the session; {@code null} when the session
     *     holds {@code herald.session.max-channels} already or is no longer connected
     * @throws dev.herald.HeraldUnavailableException when presence cannot record it; the session is not
     *     subscribed then
     */
    Joined join(SessionSender session, String channel, boolean kept) {
        synchronized (stripe(session)) {
            CompletionStage<Void> delivered;
            boolean added;
            synchronized (this) {
                if (hub.get(session.id()) != session) {
                    return null; // disconnected meanwhile: it must not become a member nobody removes
                }
                SessionSender.Added result = session.addChannel(channel, maxPerSession, kept);
                if (result == SessionSender.Added.LIMIT) {
                    return null;
                }
                added = result == SessionSender.Added.ADDED;
                hub.join(channel, session);
                delivered = broker.subscribe(channel); // at once when this node holds the subscription already
            }
            try {
                presence.join(session, channel);
            } catch (RuntimeException e) {
                if (added) {
                    leaveHere(session, channel);
                }
                throw e;
            }
            return new Joined(added, delivered);
        }
    }

    /** Unsubscribes {@code session} from {@code channel}; returns whether it was subscribed. */
    boolean leave(SessionSender session, String channel) {
        synchronized (stripe(session)) {
            if (!leaveHere(session, channel)) {
                return false;
            }
            presence.leave(session, channel);
            return true;
        }
    }

    private synchronized boolean leaveHere(SessionSender session, String channel) {
        if (!session.removeChannel(channel)) {
            return false;
        }
        leaveHub(session, channel);
        return true;
    }

    /** Takes {@code session} out of the hub's members of {@code channel}; the node unsubscribes after the last. */
    private void leaveHub(SessionSender session, String channel) {
        if (hub.leave(channel, session)) {
            broker.unsubscribe(channel);
        }
    }

    /** Unsubscribes a session that is going from all its channels. */
    void leaveAll(SessionSender session) {
        synchronized (stripe(session)) {
            List<String> left;
            synchronized (this) {
                left = session.takeChannels();
                for (String channel : left) {
                    leaveHub(session, channel);
                }
            }
            presence.leaveAll(session, left);
        }
    }
}
