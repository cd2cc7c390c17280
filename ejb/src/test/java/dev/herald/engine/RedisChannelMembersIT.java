package dev.herald.engine;

import dev.herald.testing.RedisEngines;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisChannelMembersIT extends ChannelMembersContract {

    @RegisterExtension
    static final RedisEngines redis = new RedisEngines();

    @Override
    ChannelMembers members() {
        return redis.engine().members();
    }
}
