package dev.herald.engine;

import dev.herald.Recipient;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.util.JedisClusterCRC16;

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
 *     the hash tag keeps it in the slot of the channel's stream
 * </ul>
 *
 * <p>On Redis Cluster ({@link #sharded}) every topic is a shard channel, and a script may publish only on a shard
 * channel of its own keys' slot. A user's notices go out from the slot of the user's keys to the node topics of the
 * nodes that hold the user, so users are grouped into a fixed number of partitions (as Centrifugo groups its
 * channels): a user's keys carry the partition's tag ({@code herald:{p3.17}:u:alice:sessions}), and every node
 * subscribes its topic in each partition ({@code herald:{p3.17}:node:NODE}), so that a node holds as many node
 * subscriptions as there are partitions, not one per user. A user's partition is the CRC16 of the user id
 * (the one Redis Cluster hashes keys with) modulo the partitions; partition K's tag is {@code pK.J} with the
 * smallest J whose slot lies in the K-th equal range of the 16,384 slots, so that partitions spread evenly over
 * the masters. Broadcast is {@code herald:{broadcast}}; channel topics and keys are as above.
 */
public final class RedisKeys {

    private final String prefix;
    /** The partitions' hash tags, by partition, when {@link #sharded}; {@code null} otherwise. */
    private final String[] partitionTags;

    /** The key layout of one Redis server or a Sentinel group: classic pub/sub. */
    public RedisKeys(String prefix) {
        this(prefix, 0);
    }

    /**
     * The key layout with {@code partitions} user partitions on Redis Cluster's sharded pub/sub; 0 for the
     * classic layout.
     */
    public RedisKeys(String prefix, int partitions) {
        this.prefix = prefix;
        if (partitions == 0) {
            partitionTags = null;
            return;
        }
        partitionTags = new String[partitions];
        for (int k = 0; k < partitions; k++) {
            int from = k * 16384 / partitions;
            int to = (k + 1) * 16384 / partitions;
            for (int j = 0;; j++) {
                String tag = "p" + k + "." + j;
                int slot = JedisClusterCRC16.getSlot(tag);
                if (slot >= from && slot < to) {
                    partitionTags[k] = tag;
                    break;
                }
            }
        }
    }

    /** Whether every topic is a shard channel (Redis Cluster), users grouped into partitions. */
    public boolean sharded() {
        return partitionTags != null;
    }

    /**
     * Which streams one script may append to together: on a cluster those of one hash slot (the users of one
     * partition, or one channel); on one server or under Sentinel, all.
     */
    public String streamGroup(Recipient stream) {
        if (partitionTags == null) {
            return "";
        }
        return stream.kind() == Recipient.Kind.USER ? partitionTags[partitionOf(stream.id())] : "c:" + stream.id();
    }

    /** The partition of {@code id} (a user's, or a session's for its notice's topic). */
    int partitionOf(String id) {
        return JedisClusterCRC16.getCRC16(id) % partitionTags.length;
    }

    /** What every key of {@code user} starts with. */
    private String userBase(String user) {
        return partitionTags == null ? prefix + "{u:" + user + "}:"
                : prefix + "{" + partitionTags[partitionOf(user)] + "}:u:" + user + ":";
    }

    public String userSessions(String user) {
        return userBase(user) + "sessions";
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
    public String[] streamKeys(Recipient stream) {
        String base = stream.kind() == Recipient.Kind.USER ? userBase(stream.id())
                : prefix + "{c:" + stream.id() + "}:";
        return new String[] {base + "meta", base + "stream"};
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

    /**
     * The prefix of the node topics that notices to {@code user} go on; the node id follows it. Sharded, they are
     * the node topics of the user's partition, in the slot of the user's keys.
     */
    public String nodeChannelPrefix(String user) {
        return partitionTags == null ? prefix + "node:" : prefix + "{" + partitionTags[partitionOf(user)] + "}:node:";
    }

    /**
     * The node topic that a notice for {@code nodeId} about {@code id} (a user, whose partition it takes when
     * sharded, or a session) goes on.
     */
    public String nodeChannel(String nodeId, String id) {
        return nodeChannelPrefix(id) + nodeId;
    }

    /** Every topic of {@code nodeId}: one, or one per partition when sharded. */
    public List<String> nodeTopics(String nodeId) {
        if (partitionTags == null) {
            return List.of(prefix + "node:" + nodeId);
        }
        List<String> topics = new ArrayList<>(partitionTags.length);
        for (String tag : partitionTags) {
            topics.add(prefix + "{" + tag + "}:node:" + nodeId);
        }
        return topics;
    }

    public String broadcastChannel() {
        return partitionTags == null ? prefix + "broadcast" : prefix + "{broadcast}";
    }

    /** The pub/sub channel of Herald channel {@code name}. */
    public String channelTopic(String name) {
        return prefix + "{c:" + name + "}";
    }
}
