package dev.herald.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * The session registry in Redis, shared by every node: two hashes per session (under the user and under the
 * node), a liveness key with a TTL per node, and the set of known nodes (see {@link RedisKeys}).
 *
 * <p>Each call is one pipelined round trip except {@link #purgeDeadNodes}, which needs one to find dead
 * nodes and one per dead node. Purging is idempotent, so several nodes may purge at once. The registry is
 * soft state: a node whose entries are lost (Redis restarted empty) re-registers its sessions when
 * {@link #heartbeat} reports it unknown.
 */
public final class RedisSessionRegistry implements SessionRegistry {

    private final RedisSupport redis;
    private final RedisKeys keys;

    RedisSessionRegistry(RedisSupport redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    @Override
    public void register(String nodeId, String user, String sessionId) {
        registerAll(nodeId, Map.of(sessionId, user));
    }

    @Override
    public void registerAll(String nodeId, Map<String, String> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        redis.call("register sessions", jedis -> {
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                p.hset(keys.nodeSessions(nodeId), sessions);
                sessions.forEach((sessionId, user) -> p.hset(keys.userSessions(user), sessionId, nodeId));
                p.sync();
            }
            return null;
        });
    }

    @Override
    public void unregister(String nodeId, String user, String sessionId) {
        unregisterAll(nodeId, Map.of(sessionId, user));
    }

    @Override
    public void unregisterAll(String nodeId, Map<String, String> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        redis.call("unregister sessions", jedis -> {
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                p.hdel(keys.nodeSessions(nodeId), sessions.keySet().toArray(String[]::new));
                sessions.forEach((sessionId, user) -> p.hdel(keys.userSessions(user), sessionId));
                p.sync();
            }
            return null;
        });
    }

    @Override
    public Map<String, String> sessionsOn(String nodeId) {
        return redis.call("read a node's sessions", jedis -> Map.copyOf(jedis.hgetAll(keys.nodeSessions(nodeId))));
    }

    @Override
    public int countOf(String user) {
        return redis.call("count a user's sessions", jedis -> (int) jedis.hlen(keys.userSessions(user)));
    }

    @Override
    public int countOn(String nodeId) {
        return redis.call("count a node's sessions", jedis -> (int) jedis.hlen(keys.nodeSessions(nodeId)));
    }

    @Override
    public Map<String, String> sessionsOf(String user) {
        return redis.call("read a user's sessions", jedis -> Map.copyOf(jedis.hgetAll(keys.userSessions(user))));
    }

    @Override
    public boolean heartbeat(String nodeId, int ttlMillis) {
        return redis.call("refresh the node heartbeat", jedis -> {
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                Response<String> previous = p.setGet(keys.nodeAlive(nodeId), "1", SetParams.setParams().px(ttlMillis));
                Response<Long> added = p.sadd(keys.nodes(), nodeId);
                p.sync();
                return previous.get() == null || added.get() == 1L;
            }
        });
    }

    @Override
    public List<String> purgeDeadNodes() {
        return redis.call("purge dead nodes", jedis -> {
            List<String> purged = new ArrayList<>();
            aliveness(jedis).forEach((node, alive) -> {
                if (!alive) {
                    drop(jedis, jedis.hgetAll(keys.nodeSessions(node)), node);
                    purged.add(node);
                }
            });
            return purged;
        });
    }

    @Override
    public void removeNode(String nodeId) {
        redis.call("remove a node", jedis -> {
            drop(jedis, jedis.hgetAll(keys.nodeSessions(nodeId)), nodeId);
            return null;
        });
    }

    private void drop(UnifiedJedis jedis, Map<String, String> sessions, String nodeId) {
        try (AbstractPipeline p = redis.pipelined(jedis)) {
            sessions.forEach((sessionId, user) -> p.hdel(keys.userSessions(user), sessionId));
            p.del(keys.nodeSessions(nodeId));
            p.del(keys.nodeAlive(nodeId));
            p.srem(keys.nodes(), nodeId);
            p.sync();
        }
    }

    @Override
    public List<String> liveNodes() {
        return redis.call("list live nodes", jedis -> {
            List<String> live = new ArrayList<>();
            aliveness(jedis).forEach((node, alive) -> {
                if (alive) {
                    live.add(node);
                }
            });
            return live;
        });
    }

    /** Every known node, and whether its liveness key still exists. */
    private Map<String, Boolean> aliveness(UnifiedJedis jedis) {
        Map<String, Response<Boolean>> alive = new LinkedHashMap<>();
        Set<String> nodes = jedis.smembers(keys.nodes());
        try (AbstractPipeline p = redis.pipelined(jedis)) {
            for (String node : nodes) {
                alive.put(node, p.exists(keys.nodeAlive(node)));
            }
            p.sync();
        }
        Map<String, Boolean> result = new LinkedHashMap<>();
        alive.forEach((node, exists) -> result.put(node, exists.get()));
        return result;
    }
}
