package dev.herald.engine;

/**
 * Every Redis key and channel name Herald uses, and nowhere else spelled.
 *
 * <p>Keys of one user or one node share a hash tag ({@code {u:alice}}, {@code {n:node-1}}), so that Redis
 * Cluster keeps each group in one slot. With the default prefix {@code herald:}:
 * <ul>
 * <li>{@code herald:{u:USER}:sessions}: hash, session id -> node id
 * <li>{@code herald:{n:NODE}:sessions}: hash, session id -> user id
 * <li>{@code herald:{n:NODE}:alive}: string with a TTL, refreshed by the node's heartbeat
 * <li>{@code herald:nodes}: set of node ids that have registered
 * <li>{@code herald:{c:NAME}:members}: hash, session id -> user id, the sessions subscribed to channel NAME
 * <li>{@code herald:{c:NAME}:users}: hash, user id -> how many of their sessions are subscribed
 * <li>{@code herald:{c:NAME}:names}: sorted set of those user ids, all of score 0, for pages in id order
 * <li>{@code herald:{c:NAME}:left}: hash, user id -> stamp of a leave in its grace period; expires
 * <li>{@code herald:{n:NODE}:channels}: hash, "SESSION CHANNEL" -> user id, the node's memberships
 * <li>{@code herald:member-nodes}: set of the node ids that have recorded memberships
 * <li>{@code herald:{u:USER}:meta}, {@code herald:{c:NAME}:meta}: hash, {@code e} epoch and {@code o} last offset of
 *     the user's or the channel's stream; {@code herald:{u:USER}:stream}, {@code herald:{c:NAME}:stream}: the
 *     Redis Stream of its kept notices, field {@code f} the frame (see {@link RedisHistory})
 * <li>channel {@code herald:node:NODE}: notices for that node's sessions
 * <li>channel {@code herald:broadcast}: notices every node handles
 * <li>channel {@code herald:{c:NAME}}: notices of channel NAME, subscribed by the nodes with a local subscriber;
 *     the hash tag keeps it, and later the channel's stream, in one slot (Redis Cluster's sharded pub/sub)
 * </ul>
 */
public final class RedisKeys {

    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    public String userSessions(String user) {
        return prefix + "{u:" + user + "}:sessions";
    }

    public String nodeSessions(String nodeId) {
        return prefix + "{n:" + nodeId + "}:sessions";
    }

    public String nodeAlive(String nodeId) {
        return prefix + "{n:" + nodeId + "}:alive";
    }

    /** The four keys of a channel's members, in the order the membership scripts take them. */
    public String[] channelMemberKeys(String name) {
        String tag = prefix + "{c:" + name + "}:";
        return new String[] {tag + "members", tag + "users", tag + "names", tag + "left"};
    }

    /** The meta hash and the stream of a user's or a channel's kept notices, in the order the scripts take them. */
    public String[] streamKeys(dev.herald.Recipient stream) {
        String tag = prefix + (stream.kind() == dev.herald.Recipient.Kind.USER ? "{u:" : "{c:") + stream.id() + "}:";
        return new String[] {tag + "meta", tag + "stream"};
    }

    public String nodeChannels(String nodeId) {
        return prefix + "{n:" + nodeId + "}:channels";
    }

    public String memberNodes() {
        return prefix + "member-nodes";
    }

    public String nodes() {
        return prefix + "nodes";
    }

    /** The prefix of every node's channel; the node id follows it. */
    public String nodeChannelPrefix() {
        return prefix + "node:";
    }

    public String nodeChannel(String nodeId) {
        return nodeChannelPrefix() + nodeId;
    }

    public String broadcastChannel() {
        return prefix + "broadcast";
    }

    /** The pub/sub channel of Herald channel {@code name}. */
    public String channelTopic(String name) {
        return prefix + "{c:" + name + "}";
    }
}
