package dev.herald;

/**
 * Who is connected and who is subscribed to what, across the cluster: inject it in any bean of the deployment
 * that holds Herald.
 *
 * <p>Exact, not a snapshot that lags: a session is recorded before its client reads {@code welcome}, and its
 * membership of a channel before the client reads {@code subscribed} or {@code unsubscribed}; a closed session
 * is gone within a second, and the sessions of a node that died within {@code herald.node.ttl +
 * herald.node.heartbeat}. Each call is one or two Redis round trips.
 */
public interface Presence {

    /**
     * The user's sessions and their nodes.
     *
     * @throws InvalidNoticeException for an invalid user id
     * @throws HeraldUnavailableException when Redis cannot be reached in time
     */
    UserPresence user(String user);

    /**
     * The channel's first users (at most {@code herald.presence.max-users}), and its user and session counts.
     *
     * @throws InvalidNoticeException for an invalid channel name
     * @throws HeraldUnavailableException when Redis cannot be reached in time
     */
    default ChannelPresence channel(String channel) {
        return channel(channel, null);
    }

    /**
     * A page of the channel's users: those whose ids sort after {@code after} ({@code null}: from the first),
     * at most {@code herald.presence.max-users}; the counts are of the whole channel.
     */
    ChannelPresence channel(String channel, String after);

    /**
     * How many users and sessions are online on all live nodes. Reads every node's session list: for
     * dashboards, not for each request.
     */
    Totals totals();

    /** Users and sessions online. */
    record Totals(long users, long sessions) {
    }
}
