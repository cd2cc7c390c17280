package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisException;

/** Borrows a pooled connection for one call and turns Redis failures into {@link HeraldUnavailableException}. */
final class RedisSupport {

    private final JedisPool pool;

    RedisSupport(JedisPool pool) {
        this.pool = pool;
    }

    <T> T call(String what, Function<Jedis, T> action) {
        try (Jedis jedis = pool.getResource()) {
            return action.apply(jedis);
        } catch (JedisException e) {
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        }
    }
}
