package dev.herald.testing;

import dev.herald.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis for one test class ({@code @RegisterExtension static RedisEngines redis = new RedisEngines();}):
 * started before its first test and stopped after its last, and engines on it, each with a key prefix of its own
 * (so tests do not see each other's keys), closed after the test that made them.
 */
public final class RedisEngines implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private RedisServer server;
    private final List<Engine> engines = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServer.start();
    }

    /** The Redis server. */
    public RedisServer server() {
        return server;
    }

    /** A key prefix no other test uses. */
    public static String freshPrefix() {
        return "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** An engine on the server with a fresh key prefix, closed after this test. */
    public Engine engine() {
        return engine(dev.herald.engine.History.Retention.DEFAULT);
    }

    /** An engine on the server with a fresh key prefix whose streams keep {@code retention}, closed after this test. */
    public synchronized Engine engine(dev.herald.engine.History.Retention retention) {
        Engine engine = Engine.redis(server.url(), freshPrefix(), 2000, 4, 5000, retention);
        engines.add(engine);
        return engine;
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        engines.forEach(Engine::close);
        engines.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }
}
