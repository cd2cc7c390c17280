package dev.herald.node;

import dev.herald.engine.Engine;
import dev.herald.testing.RedisServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The node contract on a real Redis started for this class; each test has its own key prefix. */
class RedisNodeIT extends NodeContract {

    static RedisServer redis;
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    Engine engineForNode() {
        return Engine.redis(redis.url(), prefix, 2000, 8, TTL * 3);
    }
}
