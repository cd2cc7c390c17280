package dev.herald.engine;

import dev.herald.Recipient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * The broker on Redis pub/sub: one channel per node, one for broadcast, and one per Herald channel, which a node
 * subscribes only while it has a local subscriber of it (see {@link RedisKeys}).
 *
 * <p>A user notice is one {@code EVALSHA} of a script that reads the user's sessions and publishes the message
 * once to each distinct node among them, so the sender pays one round trip and nodes without that user get
 * nothing. Several notices sent together ({@link #publishAll}) cost two round trips and one message per
 * receiving node, whatever their number. Kept notices go through {@link RedisHistory#APPEND}: a batch of them to
 * many users is one {@code EVALSHA} (on a cluster, one per hash slot among them) and one message per node. A
 * session notice is one {@code PUBLISH} to the node named in the session id. On a cluster each {@code PUBLISH} is
 * an {@code SPUBLISH}. The subscription is a {@link RedisSubscriber}'s: {@link RedisClassicSubscriber} on one server
 * or under Sentinel, {@link RedisShardedSubscriber} on a cluster.
 */
public final class RedisBroker implements Broker {

    /** KEYS[1]: the user's sessions hash; ARGV[1]: node channel prefix; ARGV[2]: the message. */
    static final String PUBLISH_TO_USER_NODES = """
            local nodes = redis.call('HVALS', KEYS[1])
            local seen = {}
            local n = 0
            for _, node in ipairs(nodes) do
              if not seen[node] then
                seen[node] = true
                redis.call('PUBLISH', ARGV[1] .. node, ARGV[2])
                n = n + 1
              end
            end
            return n
            """;

    private final RedisSupport redis;
    private final RedisKeys keys;
    private final RedisScript userNodes;
    /** Classic pub/sub on one server or under Sentinel, sharded on a cluster. */
    private final RedisSubscriber subscriber;
    private final RedisHistory history;

    RedisBroker(RedisSupport redis, RedisKeys keys, int subscriberTimeoutMillis, RedisHistory history) {
        this.history = history;
        this.redis = redis;
        this.keys = keys;
        this.userNodes = new RedisScript(keys.sharded() ? sharded(PUBLISH_TO_USER_NODES) : PUBLISH_TO_USER_NODES);
        this.subscriber = keys.sharded()
                ? new RedisShardedSubscriber(redis.target(), keys, subscriberTimeoutMillis)
                : new RedisClassicSubscriber(redis.target(), keys, subscriberTimeoutMillis);
    }

    /** {@code script} with its {@code PUBLISH} calls made {@code SPUBLISH}, for a cluster's shard channels. */
    static String sharded(String script) {
        return script.replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',");
    }

    @Override
    public int publish(Outgoing o) {
        if (o.kept()) {
            return publishInOrder(List.of(o))[0];
        }
        Recipient to = o.to();
        String message = o.message();
        return redis.call("publish a notice", jedis -> {
            return switch (to.kind()) {
                case USER -> toUser(jedis, to.id(), message);
                case SESSION -> toSession(jedis, to.id(), message);
                case CHANNEL -> {
                    publish(jedis, keys.channelTopic(to.id()), message);
                    yield 1;
                }
                case ALL -> {
                    publish(jedis, keys.broadcastChannel(), message);
                    yield 1;
                }
            };
        });
    }

    /**
     * Several notices in two round trips, however many: first the nodes of every user addressed by a notice
     * that is not kept (one {@code HVALS} each, pipelined), then one pipeline of the publishes and the append
     * scripts. Notices that are not kept go as one {@code PUBLISH} per node channel carrying all of them for that
     * node (and one on the broadcast channel for notices to all). The kept notices of a run between two that
     * are not go as one append script (on a cluster one per hash slot; a new one past
     * {@link NoticeCodec#MAX_BATCH_CHARS}), which numbers and stores each stream's notices and publishes them all
     * as one message per receiving node (a channel's, one on its topic). A node that does not hold a user gets none of that
     * user's notices. Each receiving node sees each stream's notices in the order given, and the notices that
     * are not kept in their order relative to all the others; kept notices of different streams in one run may
     * come in another order.
     */
    @Override
    public int[] publishAll(List<Outgoing> messages) {
        if (messages.size() == 1) {
            return new int[] {publish(messages.get(0))};
        }
        return publishInOrder(messages);
    }

    private int[] publishInOrder(List<Outgoing> messages) {
        return redis.call("publish notices", jedis -> {
            Map<String, NodesOf> nodesOfUser = new HashMap<>();
            AbstractPipeline lookup = null;
            try {
                for (Outgoing o : messages) {
                    if (!o.kept() && o.to().kind() == Recipient.Kind.USER) {
                        AbstractPipeline l = lookup == null ? lookup = redis.pipelined(jedis) : lookup;
                        nodesOfUser.computeIfAbsent(o.to().id(), user -> new NodesOf(l.hvals(keys.userSessions(user))));
                    }
                }
                if (lookup != null) {
                    lookup.sync();
                }
            } finally {
                if (lookup != null) {
                    lookup.close();
                }
            }
            List<Appends.Group> groups = new ArrayList<>();
            int[] handed = new int[messages.size()];
            try (AbstractPipeline pipeline = redis.pipelined(jedis)) {
                queue(pipeline, messages, nodesOfUser, groups, handed);
            }
            for (Appends.Group group : groups) {
                try {
                    group.handedTo(handed, group.reply.get());
                } catch (JedisDataException e) {
                    // Not run: the server does not know the script (it restarted, or is a master that never ran
                    // it), or on a cluster the streams' slot moved (MOVED) or is moving (ASK). Run on its own, it
                    // follows either. A group that failed so may come after a later group of other streams: a
                    // hole in order between streams, never a loss or a duplicate.
                    if (!RedisScript.forgotten(e) && !(e instanceof JedisRedirectionException)) {
                        throw e;
                    }
                    group.handedTo(handed, history.run(jedis, group.append));
                }
            }
            return handed;
        });
    }

    /** Queues every message on {@code pipeline} and syncs it: {@code groups} get the append scripts' replies. */
    private void queue(AbstractPipeline pipeline, List<Outgoing> messages, Map<String, NodesOf> nodesOfUser,
            List<Appends.Group> groups, int[] handed) {
        Batches batches = new Batches(pipeline);
        for (int i = 0; i < handed.length; i++) {
            Outgoing o = messages.get(i);
            Recipient to = o.to();
            if (o.kept()) {
                batches.flush(); // what came before reaches each node first
                int end = i;
                Map<Recipient, Part> runs = new LinkedHashMap<>();
                Appends appends = new Appends(pipeline, groups);
                for (; end < handed.length && messages.get(end).kept(); end++) {
                    Outgoing k = messages.get(end);
                    Part run = runs.get(k.to());
                    if (run != null && run.full(k.message())) {
                        appends.add(run);
                        run = null;
                    }
                    if (run == null) {
                        run = new Part(k.to());
                        runs.put(k.to(), run);
                    }
                    run.add(end, k);
                }
                runs.values().forEach(appends::add);
                appends.send();
                i = end - 1;
                continue;
            }
            handed[i] = switch (to.kind()) {
                case USER -> {
                    List<String> nodes = nodesOfUser.get(to.id()).distinct();
                    nodes.forEach(node -> batches.add(keys.nodeChannel(node, to.id()), o.message()));
                    yield nodes.size();
                }
                case SESSION -> {
                    String node = SessionIds.nodeOf(to.id());
                    if (node == null) {
                        yield 0;
                    }
                    batches.add(keys.nodeChannel(node, to.id()), o.message());
                    yield 1;
                }
                case CHANNEL -> {
                    batches.addToShared(keys.channelTopic(to.id()), o.message());
                    yield 1;
                }
                case ALL -> {
                    batches.addToShared(keys.broadcastChannel(), o.message());
                    yield 1;
                }
            };
        }
        batches.publish();
    }

    /** Consecutive kept notices of one stream that one append script takes: their header lines and frame rests. */
    private final class Part {
        final Recipient to;
        final List<Integer> indexes = new ArrayList<>();
        final List<String> headers = new ArrayList<>();
        final List<String> rests = new ArrayList<>();
        int chars;

        Part(Recipient to) {
            this.to = to;
        }

        /** Whether {@code message} would take this part past the size of one engine message. */
        boolean full(String message) {
            return chars + message.length() + NoticeCodec.KEPT_RESERVE > NoticeCodec.MAX_BATCH_CHARS;
        }

        void add(int index, Outgoing kept) {
            indexes.add(index);
            headers.add(kept.header());
            rests.add(kept.rest());
            chars += kept.message().length() + NoticeCodec.KEPT_RESERVE;
        }

        /** Records in {@code handed} that this part went to {@code nodes} nodes. */
        void handedTo(int[] handed, long nodes) {
            for (int index : indexes) {
                handed[index] = (int) nodes;
            }
        }
    }

    /**
     * The append scripts of one run of kept notices: its parts grouped by {@link RedisKeys#streamGroup} (one group
     * on one server), each group one script, sent once it would pass the size of one engine message or at the end
     * of the run. So a batch of notices to many users costs one script, and each receiving node one message, where
     * it cost one of each per user.
     */
    private final class Appends {
        private final AbstractPipeline pipeline;
        /** Every group queued, in order. */
        private final List<Group> queued;
        private final Map<String, Group> open = new LinkedHashMap<>();

        Appends(AbstractPipeline pipeline, List<Group> queued) {
            this.pipeline = pipeline;
            this.queued = queued;
        }

        void add(Part part) {
            String key = keys.streamGroup(part.to);
            Group group = open.get(key);
            if (group != null && group.chars + part.chars > NoticeCodec.MAX_BATCH_CHARS) {
                group.send();
                group = null;
            }
            if (group == null) {
                group = new Group();
                open.put(key, group);
            }
            group.add(part);
        }

        /** Sends every group still open. */
        void send() {
            open.values().forEach(Group::send);
            open.clear();
        }

        /** The parts of one append script, and its reply. */
        final class Group {
            private final List<Part> parts = new ArrayList<>();
            final RedisHistory.Append append = history.append();
            Response<Object> reply;
            int chars;

            void add(Part part) {
                parts.add(part);
                append.add(part.to, part.headers, part.rests);
                chars += part.chars;
            }

            void send() {
                reply = history.queue(pipeline, append);
                queued.add(this);
            }

            /** Records in {@code handed} how many nodes each part went to, from the script's {@code result}. */
            void handedTo(int[] handed, Object result) {
                List<?> nodes = (List<?>) result;
                for (int i = 0; i < parts.size(); i++) {
                    parts.get(i).handedTo(handed, (Long) nodes.get(i));
                }
            }
        }
    }

    /** The nodes holding one user's sessions, as read in the pipeline, without repeats. */
    private static final class NodesOf {
        private final Response<List<String>> reply;
        private List<String> distinct;

        NodesOf(Response<List<String>> reply) {
            this.reply = reply;
        }

        List<String> distinct() {
            if (distinct == null) {
                List<String> nodes = reply.get();
                distinct = nodes.size() <= 1 ? nodes : List.copyOf(new LinkedHashSet<>(nodes));
            }
            return distinct;
        }
    }

    /**
     * The messages of one {@link #publishAll}: the notices for each node joined into one message (a new one
     * past {@value NoticeCodec#MAX_BATCH_CHARS} characters, well under Redis's output buffer limit for subscribers), and
     * consecutive ones for all, or for one Herald channel, into one on that pub/sub channel. Node messages and a
     * shared message are never pending at the same time, nor two shared ones, which keeps each receiving node's
     * order.
     */
    private final class Batches {
        private final AbstractPipeline pipeline;
        private final Map<String, StringBuilder> toNodes = new LinkedHashMap<>();
        /** The batch for a channel many nodes may receive (broadcast, or a Herald channel's), and its channel. */
        private StringBuilder shared;
        private String sharedTopic;

        Batches(AbstractPipeline pipeline) {
            this.pipeline = pipeline;
        }

        /** A message on a node topic. */
        void add(String nodeTopic, String message) {
            if (shared != null) {
                flush();
            }
            toNodes.put(nodeTopic, append(toNodes.get(nodeTopic), () -> nodeTopic, message));
        }

        /** A message on a channel that several nodes may receive: it follows whatever any of them is to get first. */
        void addToShared(String topic, String message) {
            if (!toNodes.isEmpty() || shared != null && !sharedTopic.equals(topic)) {
                flush();
            }
            shared = append(shared, () -> topic, message);
            sharedTopic = topic;
        }

        /**
         * {@code batch} (which may be {@code null}) with {@code message} added; when that would pass the limit,
         * {@code batch} is published to its channel first and a new batch starts.
         */
        private StringBuilder append(StringBuilder batch, Supplier<String> channel, String message) {
            if (batch == null) {
                return start(message);
            }
            if (batch.length() + 1 + message.length() > NoticeCodec.MAX_BATCH_CHARS) {
                RedisBroker.this.publish(pipeline, channel.get(), batch.toString());
                return start(message);
            }
            return batch.append('\n').append(message);
        }

        private StringBuilder start(String message) {
            return new StringBuilder(Math.max(256, message.length() * 8)).append(message);
        }

        private void flush() {
            toNodes.forEach((topic, batch) -> RedisBroker.this.publish(pipeline, topic, batch.toString()));
            toNodes.clear();
            if (shared != null) {
                RedisBroker.this.publish(pipeline, sharedTopic, shared.toString());
                shared = null;
            }
        }

        void publish() {
            flush();
            pipeline.sync();
        }
    }

    private int toUser(UnifiedJedis jedis, String user, String message) {
        return ((Long) userNodes.run(jedis, List.of(keys.userSessions(user)), List.of(keys.nodeChannelPrefix(user),
                message))).intValue();
    }

    private int toSession(UnifiedJedis jedis, String sessionId, String message) {
        String node = SessionIds.nodeOf(sessionId);
        if (node == null) {
            return 0;
        }
        publish(jedis, keys.nodeChannel(node, sessionId), message);
        return 1;
    }

    /** {@code PUBLISH}, or {@code SPUBLISH} on a cluster. */
    private void publish(UnifiedJedis jedis, String topic, String message) {
        if (keys.sharded()) {
            ((RedisClusterClient) jedis).spublish(topic, message);
        } else {
            jedis.publish(topic, message);
        }
    }

    /** {@code PUBLISH}, or {@code SPUBLISH} on a cluster, queued. */
    private void publish(AbstractPipeline pipeline, String topic, String message) {
        if (keys.sharded()) {
            ((ClusterPipeline) pipeline).spublish(topic, message);
        } else {
            pipeline.publish(topic, message);
        }
    }

    @Override
    public void run(String nodeId, Consumer<String> onMessage, Runnable onReady, ThreadFactory threads) {
        subscriber.run(nodeId, onMessage, onReady, threads);
    }

    @Override
    public CompletionStage<Void> subscribe(String channel) {
        return subscriber.subscribe(keys.channelTopic(channel));
    }

    @Override
    public void unsubscribe(String channel) {
        subscriber.unsubscribe(keys.channelTopic(channel));
    }

    @Override
    public void keepAlive() {
        subscriber.keepAlive();
    }

    @Override
    public void close() {
        subscriber.close();
    }
}
