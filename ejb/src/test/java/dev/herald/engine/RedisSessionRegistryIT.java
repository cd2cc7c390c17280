package dev.herald.engine;

import dev.herald.testing.RedisEngines;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisSessionRegistryIT extends SessionRegistryContract {

    @RegisterExtension
    static final RedisEngines redis = new RedisEngines();

    @Override
    SessionRegistry registry() {
        return redis.engine().registry();
    }

    @Override
    void advance(long millis) {
        // Redis expires keys by its own clock; the contract waits for it.
    }

    @Override
    int rounds() {
        return 500; // a round is a few Redis round trips
    }
}
