package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import dev.herald.HeraldUnavailableException;
import dev.herald.Recipient;
import dev.herald.engine.Broker;
import dev.herald.engine.ChannelMembers;
import dev.herald.engine.ChannelMembers.Member;
import dev.herald.engine.NoticeCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's side of presence: records each local session's channel memberships in the engine's
 * {@link ChannelMembers} (before the client is told {@code subscribed} or {@code unsubscribed}), and announces
 * joins and leaves on the channels that have them.
 *
 * <p>A channel announces when the application's authorizer says so ({@link ChannelAuthorizer#announces}) or its
 * name starts with a prefix of {@code herald.channels.join-leave}, and only while it has at most
 * {@code herald.presence.max-users} users: past that, a mass reconnect would cost each node a frame per pair of
 * users, and the counts tell a big room all it needs. An announced leave waits {@code herald.channels.leave-grace}
 * for the user to come back (a page reload) and is dropped if they do, together with their join. A leave made by
 * a node's death is announced by the node that purges it, without grace. Announcements are control messages on
 * the channel's topic, so they reach the subscribed sessions of every node. Thread safe.
 */
final class Memberships {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final String nodeId;
    private final ChannelMembers members;
    private final Broker broker;
    private final NoticeCodec codec;
    private final Predicate<String> announces;
    private final int graceMillis;
    private final int maxUsers;
    private final ScheduledExecutorService scheduler;
    private final LogLimit failures = new LogLimit(LOG, Level.WARNING);

    Memberships(String nodeId, ChannelMembers members, Broker broker, NoticeCodec codec, Predicate<String> announces,
            int graceMillis, int maxUsers, ScheduledExecutorService scheduler) {
        this.nodeId = nodeId;
        this.members = members;
        this.broker = broker;
        this.codec = codec;
        this.announces = announces;
        this.graceMillis = graceMillis;
        this.maxUsers = maxUsers;
        this.scheduler = scheduler;
    }

    /** Whether {@code channel} announces joins and leaves, asking {@code authorizer} first. */
    static Predicate<String> announcing(ChannelAuthorizer authorizer, List<String> prefixes) {
        List<String> starts = List.copyOf(prefixes);
        return channel -> OpenChannels.startsWithAny(starts, channel)
                || authorizer != null && authorizer.announces(channel);
    }

    /**
     * Records that {@code session} is subscribed to {@code channel}; announces the join of its user's first
     * session.
     *
     * @throws HeraldUnavailableException when the engine cannot record it; nothing was recorded then
     */
    void join(SessionSender session, String channel) {
        boolean announced = safely(announces, channel);
        ChannelMembers.Join join = members.join(member(session, channel), System.currentTimeMillis(),
                announced ? graceMillis : 0);
        if (announced && join.joined() == ChannelMembers.Joined.FIRST && join.users() <= maxUsers) {
            announce(NoticeCodec.Op.JOIN, session.user(), channel);
        }
    }

    /** Forgets that {@code session} is subscribed to {@code channel}; announces its user's leave if it was the last. */
    void leave(SessionSender session, String channel) {
        leaveAll(session, List.of(channel));
    }

    /**
     * Forgets that {@code session} is subscribed to each of {@code channels}, in one round trip; announces its
     * user's leave of each channel where it was their last session.
     */
    void leaveAll(SessionSender session, List<String> channels) {
        List<Member> gone = new ArrayList<>(channels.size());
        for (String channel : channels) {
            gone.add(member(session, channel));
        }
        try {
            leave(gone);
        } catch (HeraldUnavailableException e) {
            // The entries go with the next reconcile, once Redis answers.
            failures.log(() -> "Could not record that " + session.id() + " left " + channels + ": " + e.getMessage());
        }
    }

    /**
     * Removes {@code gone} in one round trip and announces each leave that was its user's last, after the grace.
     * Whoever removes a membership announces it, so a leave is announced once whether the session's own leave or
     * a reconcile racing with it took the entry out.
     */
    private void leave(List<Member> gone) {
        if (gone.isEmpty()) {
            return;
        }
        List<Integer> graces = new ArrayList<>(gone.size());
        List<Boolean> announced = new ArrayList<>(gone.size());
        for (Member m : gone) {
            boolean announces = safely(this.announces, m.channel());
            graces.add(announces ? graceMillis : 0);
            announced.add(announces);
        }
        List<ChannelMembers.Leave> leaves = members.leaveAll(gone, System.currentTimeMillis(), graces);
        for (int i = 0; i < leaves.size(); i++) {
            ChannelMembers.Leave leave = leaves.get(i);
            if (announced.get(i) && leave.last() && leave.users() < maxUsers) {
                afterGrace(gone.get(i).user(), gone.get(i).channel(), leave.stamp(), graces.get(i));
            }
        }
    }

    /** Announces a leave now, or once its grace is over if the user did not come back. */
    private void afterGrace(String user, String channel, String stamp, int grace) {
        if (stamp == null) {
            announce(NoticeCodec.Op.LEAVE, user, channel);
            return;
        }
        try {
            scheduler.schedule(() -> confirm(channel, user, stamp), grace, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            confirm(channel, user, stamp); // stopping: announce now rather than never
        }
    }

    private void confirm(String channel, String user, String stamp) {
        try {
            if (members.confirmLeave(channel, user, stamp)) {
                announce(NoticeCodec.Op.LEAVE, user, channel);
            }
        } catch (RuntimeException e) {
            failures.log(() -> "Could not announce that " + user + " left " + channel + ": " + e);
        }
    }

    /**
     * Removes the memberships of nodes that are no longer live, and announces the leaves that makes.
     *
     * @param liveNodes reads the live nodes; called after the nodes with memberships are read, so that a node
     *     that starts meanwhile is never taken for dead
     */
    void purgeDeadNodes(java.util.function.Supplier<Collection<String>> liveNodes) {
        Set<String> recorded = members.nodes();
        if (recorded.isEmpty()) {
            return;
        }
        Collection<String> live = liveNodes.get();
        for (String node : recorded) {
            if (live.contains(node)) {
                continue;
            }
            List<ChannelMembers.Left> leaves = members.purgeNode(node);
            LOG.info(() -> "Purged the channel memberships of dead node " + node);
            for (ChannelMembers.Left left : leaves) {
                if (safely(announces, left.channel())) {
                    announce(NoticeCodec.Op.LEAVE, left.user(), left.channel());
                }
            }
        }
    }

    /** Records every membership of the local sessions again (the engine lost them), announcing nothing. */
    void restore(Collection<SessionSender> sessions) {
        List<Member> all = new ArrayList<>();
        for (SessionSender session : sessions) {
            for (String channel : session.channels()) {
                all.add(member(session, channel));
            }
        }
        members.joinAll(all);
    }

    /**
     * Removes the engine's memberships of this node that no local session holds (a leave lost in a Redis blip),
     * announcing the leaves that makes; returns how many. Safe against concurrent joins (a session holds a channel
     * before the engine records it) and leaves (a session drops a channel before the engine forgets it, and
     * whichever of the two removes the entry announces).
     */
    int reconcile(Hub hub) {
        List<Member> stale = new ArrayList<>();
        for (Member m : members.membersOn(nodeId)) {
            SessionSender session = hub.get(m.session());
            if (session == null || !session.channels().contains(m.channel())) {
                stale.add(m);
            }
        }
        leave(stale);
        return stale.size();
    }

    private void announce(NoticeCodec.Op op, String user, String channel) {
        try {
            broker.publish(Recipient.channel(channel), codec.encode(new NoticeCodec.Control(op, user, channel)));
        } catch (RuntimeException e) {
            failures.log(() -> "Could not announce the " + op + " of " + user + " on " + channel + ": " + e);
        }
    }

    private Member member(SessionSender session, String channel) {
        return new Member(nodeId, channel, session.user(), session.id());
    }

    /** The predicate's answer, or {@code false} when it throws (an application authorizer that fails). */
    private boolean safely(Predicate<String> predicate, String channel) {
        try {
            return predicate.test(channel);
        } catch (RuntimeException e) {
            failures.log(() -> "The channel authorizer failed to say whether " + channel + " announces joins: " + e);
            return false;
        }
    }
}
