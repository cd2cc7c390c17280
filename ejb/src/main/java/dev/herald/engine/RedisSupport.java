package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.function.Function;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

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

    /** A pipeline on {@code client}, to close after use (see {@link RedisTarget#pipelined}). */
    redis.clients.jedis.AbstractPipeline pipelined(UnifiedJedis client) {
        return target.pipelined(client);
    }

    <T> T call(String what, Function<UnifiedJedis, T> action) {
        UnifiedJedis client = target.client();
        try {
            return action.apply(client);
        } catch (JedisConnectionException e) {
            target.dropIdle();
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (JedisRedirectionException e) {
            // A slot moved (a migration, a failover) under a pipeline, which does not follow it: learn where to.
            target.slotsMoved();
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what + ": " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("Please close pipeline")) {
                throw e;
            }
            // A cluster pipeline leaves the replies of a master it lost the connection to unset.
            target.dropIdle();
            throw new HeraldUnavailableException("Redis unavailable while trying to " + what
                    + ": a cluster node did not answer", e);
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
