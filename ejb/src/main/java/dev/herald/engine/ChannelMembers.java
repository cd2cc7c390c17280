package dev.herald.engine;

import dev.herald.ChannelPresence;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which sessions, of which users, on which nodes, are subscribed to each channel: the channel side of presence,
 * and where joins and leaves are decided.
 *
 * <p>Soft state owned by the nodes, as the {@link SessionRegistry} is: each membership is recorded under its
 * channel and under its node, and a node that dies has its memberships removed by {@link #purgeNode}
 * on a surviving node. A user joins a channel with their first session in it and leaves it with their last;
 * where the channel announces joins and leaves, a last session's leave may wait a grace period, and a user whose
 * session comes back within it (a page reload) has {@link Joined#REJOINED}, so that nobody is told of the leave
 * or of the join. Thread safe; Redis implementations throw {@link dev.herald.HeraldUnavailableException} when
 * Redis cannot be reached in time.
 */
public interface ChannelMembers {

    /** One session's membership of one channel. */
    record Member(String node, String channel, String user, String session) {
    }

    /** What a join changed for its user. */
    enum Joined {
        /** The session was a member already: nothing changed. */
        ALREADY,
        /** The user had another session in the channel. */
        MORE,
        /** The user's first session in the channel. */
        FIRST,
        /** The user's first session again, within the grace of their leave: neither is to be announced. */
        REJOINED
    }

    /**
     * The result of a join.
     *
     * @param users the channel's users after it
     */
    record Join(Joined joined, long users) {
    }

    /**
     * The result of a leave.
     *
     * @param last whether it was the user's last session in the channel
     * @param stamp when {@code last} and a grace was given, what {@link #confirmLeave} is to be given after it
     * @param users the channel's users after it
     */
    record Leave(boolean last, String stamp, long users) {
        static final Leave NONE = new Leave(false, null, -1);
    }

    /**
     * A user whose last session in a channel went with a dead node.
     */
    record Left(String channel, String user) {
    }

    /**
     * Records {@code member}.
     *
     * @param nowMillis this node's clock
     * @param graceMillis how long a leave of the same user waits for them to come back; a join within it is
     *     {@link Joined#REJOINED}
     */
    Join join(Member member, long nowMillis, int graceMillis);

    /**
     * Removes {@code member}; its user is taken from the record, whatever {@code member.user()} says.
     *
     * @param graceMillis above 0: the leave of a last session waits so long for a {@link Joined#REJOINED} (see
     *     {@link #confirmLeave}); 0: it is final at once
     */
    Leave leave(Member member, long nowMillis, int graceMillis);

    /**
     * Removes every one of {@code members} as {@link #leave} does, in one round trip (a session that closes).
     *
     * @param graceMillis each member's grace, in the same order
     * @return each member's leave, in the same order
     */
    List<Leave> leaveAll(List<Member> members, long nowMillis, List<Integer> graceMillis);

    /**
     * Whether the leave that returned {@code stamp} still stands once its grace is over (the user did not come
     * back); answers {@code true} once only.
     */
    boolean confirmLeave(String channel, String user, String stamp);

    /** The channel's users after {@code after} ({@code null}: from the first), at most {@code max}, and its counts. */
    ChannelPresence read(String channel, String after, int max);

    /** Every membership recorded for {@code node}. */
    List<Member> membersOn(String node);

    /**
     * Records every membership of {@code members} again, in one round trip, without announcing any join: how a
     * node restores its memberships after Redis lost them.
     */
    void joinAll(Collection<Member> members);

    /** The nodes that have recorded memberships (and not been purged). */
    Set<String> nodes();

    /**
     * Removes every membership of {@code node}, at once (no grace): a node found dead. To purge only dead nodes,
     * read {@link #nodes} first and the live nodes after it: a node records memberships only once it is live.
     *
     * @return the users who left a channel by it, each once
     */
    List<Left> purgeNode(String node);
}
