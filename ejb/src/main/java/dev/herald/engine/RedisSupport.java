package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.function.Function;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Runs one call on the target's client and turns Redis failures into {@link HeraldUnavailableException}. A
 * pipeline a call opens ({@code client.pipelined()}) holds a pooled connection until it is closed: open it in
 * try-with-resources.
 */
final class RedisSupport {

    private final RedisTarget target;

    RedisSupport(RedisTarget target) {
        this.target = target;
    }

    /** Where Redis is. */
    RedisTarget target() {
        return target;
    }

    <T> T call(String what, Function<UnifiedJedis, T> action) {
        UnifiedJedis client = target.client();
        try {
            return action.apply(client);
        } catch (JedisConnectionException e) {
            target.dropIdle();
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("READONLY")) {
                // A master demoted to a replica by a failover: its pooled connections must go.
                target.dropIdle();
                throw new HeraldUnavailableException("Redis unavailable while trying to " + what
                        + ": the server is a replica now (failover): " + e.getMessage(), e);
            }
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (JedisException e) {
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        }
    }
}
