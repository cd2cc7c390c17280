package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/** Borrows a pooled connection for one call and turns Redis failures into {@link HeraldUnavailableException}. */
final class RedisSupport {

    private final RedisTarget target;

    RedisSupport(RedisTarget target) {
        this.target = target;
    }

    /** Where Redis is. */
    RedisTarget target() {
        return target;
    }

    <T> T call(String what, Function<Jedis, T> action) {
        redis.clients.jedis.util.Pool<Jedis> pool = target.pool();
        try (Jedis jedis = pool.getResource()) {
            return action.apply(jedis);
        } catch (JedisConnectionException e) {
            // Idle pooled connections are as dead as this one (Redis restarted or unreachable): drop them, so
            // that the calls after Redis is back open fresh connections instead of failing once each.
            pool.clear();
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("READONLY")) {
                // A master demoted to a replica by a failover: its pooled connections must go.
                pool.clear();
                throw new HeraldUnavailableException("Redis unavailable while trying to " + what
                        + ": the server is a replica now (failover): " + e.getMessage(), e);
            }
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (JedisException e) {
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        }
    }
}
