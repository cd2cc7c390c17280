package dev.herald.node;

import dev.herald.engine.Broker;
import java.util.concurrent.CompletionStage;

/**
 * The channels this node's sessions are subscribed to: a session joins and leaves them, and the node holds the
 * engine's subscription of a channel exactly while it has a local member of it (subscribed on the first join,
 * unsubscribed after the last leave), so that a channel's notices reach only the nodes with subscribers.
 *
 * <p>Joins and leaves run one at a time, so that the engine sees the same order of first joins and last leaves
 * as the hub; none of them blocks on the engine (see {@link Broker#subscribe}). Thread safe.
 */
final class LocalChannels {

    private final Hub hub;
    private final Broker broker;
    private final int maxPerSession;

    LocalChannels(Hub hub, Broker broker, int maxPerSession) {
        this.hub = hub;
        this.broker = broker;
        this.maxPerSession = maxPerSession;
    }

    /**
     * Subscribes {@code session} to {@code channel} (again, harmlessly, if it is already).
     *
     * @return a stage that completes once this node receives the channel's notices, so that any published after
     *     it reaches the session; {@code null} when the session holds {@code herald.session.max-channels} already
     *     or is no longer connected
     */
    synchronized CompletionStage<Void> join(SessionSender session, String channel) {
        if (hub.get(session.id()) != session) {
            return null; // disconnected meanwhile: it must not become a member nobody removes
        }
        if (session.addChannel(channel, maxPerSession) == SessionSender.Added.LIMIT) {
            return null;
        }
        hub.join(channel, session);
        return broker.subscribe(channel); // at once when this node holds the subscription already
    }

    /** Unsubscribes {@code session} from {@code channel}; returns whether it was subscribed. */
    synchronized boolean leave(SessionSender session, String channel) {
        if (!session.removeChannel(channel)) {
            return false;
        }
        if (hub.leave(channel, session)) {
            broker.unsubscribe(channel);
        }
        return true;
    }

    /** Unsubscribes a session that is going from all its channels. */
    synchronized void leaveAll(SessionSender session) {
        for (String channel : session.takeChannels()) {
            if (hub.leave(channel, session)) {
                broker.unsubscribe(channel);
            }
        }
    }
}
