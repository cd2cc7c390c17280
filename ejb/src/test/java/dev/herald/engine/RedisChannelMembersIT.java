package dev.herald.engine;

import dev.herald.testing.RedisServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

class RedisChannelMembersIT extends ChannelMembersContract {

    static RedisServer redis;
    private Engine engine;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @Override
    ChannelMembers members() {
        engine = Engine.redis(redis.url(), "t" + UUID.randomUUID().toString().substring(0, 8) + ":", 2000, 4, 5000);
        return engine.members();
    }
}
