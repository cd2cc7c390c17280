package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The broker on Redis pub/sub: one channel per node and one for broadcast (see {@link RedisKeys}).
 *
 * <p>A user notice is one {@code EVALSHA} of a script that reads the user's sessions and publishes the message
 * once to each distinct node among them, so the sender pays one round trip and nodes without that user get
 * nothing. A session notice is one {@code PUBLISH} to the node named in the session id. The subscription
 * runs on its own connection; {@link #keepAlive} pings it on every heartbeat and closes the socket when no
 * pong came back for longer than the subscriber timeout, so that a silently dead connection (a partition, a
 * crashed host) ends {@link #run} instead of leaving the node deaf.
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
    private final URI uri;
    private final int subscriberTimeoutMillis;
    private final AtomicReference<JedisPubSub> subscription = new AtomicReference<>();
    private final AtomicReference<Jedis> subscriber = new AtomicReference<>();
    private volatile long lastPongNanos;
    private volatile boolean closed;
    private volatile String scriptSha;

    RedisBroker(RedisSupport redis, RedisKeys keys, URI uri, int subscriberTimeoutMillis) {
        this.redis = redis;
        this.keys = keys;
        this.uri = uri;
        this.subscriberTimeoutMillis = subscriberTimeoutMillis;
    }

    @Override
    public int publish(Envelope to, String message) {
        return redis.call("publish a notice", jedis -> {
            return switch (to.to().kind()) {
                case USER -> toUser(jedis, to.to().id(), message);
                case SESSION -> toSession(jedis, to.to().id(), message);
                case ALL -> {
                    jedis.publish(keys.broadcastChannel(), message);
                    yield 1;
                }
            };
        });
    }

    @Override
    public int[] publishAll(List<Outgoing> messages) {
        if (messages.size() == 1) {
            return new int[] {publish(messages.get(0).envelope(), messages.get(0).message())};
        }
        return redis.call("publish notices", jedis -> {
            String sha = sha(jedis);
            Pipeline p = jedis.pipelined();
            @SuppressWarnings("unchecked")
            Response<Object>[] replies = new Response[messages.size()];
            for (int i = 0; i < replies.length; i++) {
                Envelope e = messages.get(i).envelope();
                String message = messages.get(i).message();
                replies[i] = switch (e.to().kind()) {
                    case USER -> p.evalsha(sha, List.of(keys.userSessions(e.to().id())),
                            List.of(keys.nodeChannelPrefix(), message));
                    case SESSION -> {
                        String node = SessionIds.nodeOf(e.to().id());
                        yield node == null ? null : castResponse(p.publish(keys.nodeChannel(node), message));
                    }
                    case ALL -> castResponse(p.publish(keys.broadcastChannel(), message));
                };
            }
            p.sync();
            int[] handed = new int[replies.length];
            for (int i = 0; i < replies.length; i++) {
                handed[i] = handed(jedis, messages.get(i), replies[i]);
            }
            return handed;
        });
    }

    private int handed(Jedis jedis, Outgoing outgoing, Response<Object> reply) {
        if (reply == null) {
            return 0;
        }
        try {
            Object value = reply.get();
            return outgoing.envelope().to().kind() == dev.herald.Recipient.Kind.USER ? ((Long) value).intValue() : 1;
        } catch (JedisDataException e) {
            if (isNoScript(e)) {
                // Redis restarted and forgot the script mid-batch: send this one again, once, in full.
                scriptSha = null;
                return toUser(jedis, outgoing.envelope().to().id(), outgoing.message());
            }
            throw e;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Response<Object> castResponse(Response<?> response) {
        return (Response) response;
    }

    private int toUser(Jedis jedis, String user, String message) {
        List<String> keyList = List.of(keys.userSessions(user));
        List<String> args = List.of(keys.nodeChannelPrefix(), message);
        try {
            return ((Long) jedis.evalsha(sha(jedis), keyList, args)).intValue();
        } catch (JedisDataException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            scriptSha = null;
            return ((Long) jedis.eval(PUBLISH_TO_USER_NODES, keyList, args)).intValue();
        }
    }

    private int toSession(Jedis jedis, String sessionId, String message) {
        String node = SessionIds.nodeOf(sessionId);
        if (node == null) {
            return 0;
        }
        jedis.publish(keys.nodeChannel(node), message);
        return 1;
    }

    private String sha(Jedis jedis) {
        String sha = scriptSha;
        if (sha == null) {
            sha = jedis.scriptLoad(PUBLISH_TO_USER_NODES);
            scriptSha = sha;
        }
        return sha;
    }

    private static boolean isNoScript(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT");
    }

    @Override
    public void run(String nodeId, Consumer<String> onMessage, Runnable onReady) {
        if (closed) {
            return;
        }
        JedisPubSub pubSub = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int subscribedChannels) {
                if (subscribedChannels == 2) {
                    onReady.run();
                }
            }

            @Override
            public void onMessage(String channel, String message) {
                onMessage.accept(message);
            }

            @Override
            public void onPong(String pattern) {
                lastPongNanos = System.nanoTime();
            }
        };
        try (Jedis jedis = new Jedis(uri, subscriberTimeoutMillis)) {
            lastPongNanos = System.nanoTime();
            subscription.set(pubSub);
            subscriber.set(jedis);
            if (closed) {
                return;
            }
            scriptSha = null;
            jedis.subscribe(pubSub, keys.nodeChannel(nodeId), keys.broadcastChannel());
        } catch (JedisException e) {
            if (!closed) {
                throw new HeraldUnavailableException("Redis subscription lost: " + e.getMessage(), e);
            }
        } finally {
            subscription.compareAndSet(pubSub, null);
            subscriber.set(null);
        }
        if (!closed) {
            throw new HeraldUnavailableException("Redis subscription ended", null);
        }
    }

    @Override
    public void keepAlive() {
        JedisPubSub pubSub = subscription.get();
        if (pubSub == null || !pubSub.isSubscribed()) {
            return;
        }
        if (System.nanoTime() - lastPongNanos > subscriberTimeoutMillis * 1_000_000L) {
            disconnectSubscriber(); // no pong in time: the connection is dead though the socket looks open
            return;
        }
        try {
            pubSub.ping();
        } catch (JedisException e) {
            disconnectSubscriber();
        }
    }

    private void disconnectSubscriber() {
        Jedis jedis = subscriber.get();
        if (jedis != null) {
            try {
                jedis.disconnect();
            } catch (JedisException e) {
                // Closing a broken socket: nothing more to do.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        JedisPubSub pubSub = subscription.get();
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.unsubscribe();
            } catch (JedisException e) {
                // Already broken: the disconnect below ends the subscriber thread.
            }
        }
        disconnectSubscriber();
    }
}
