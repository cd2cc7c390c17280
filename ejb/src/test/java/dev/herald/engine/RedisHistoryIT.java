package dev.herald.engine;

import dev.herald.engine.History.Retention;
import dev.herald.testing.RedisEngines;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

class RedisHistoryIT extends HistoryContract {

    @RegisterExtension
    static final RedisEngines redis = new RedisEngines();

    @Override
    Engine engine(Retention retention) {
        return redis.engine(retention);
    }

    @Override
    void forget(Engine engine) {
        try (Jedis jedis = new Jedis(java.net.URI.create(redis.server().url()))) {
            jedis.flushAll();
        }
    }
}
