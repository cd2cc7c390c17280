package dev.herald.node;

import dev.herald.engine.Engine;
import dev.herald.engine.MemoryBroker;
import dev.herald.engine.MemorySessionRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The node contract on the in-memory engine: two nodes sharing one JVM's registry and subscribers. */
class MemoryNodeTest extends NodeContract {

    private final MemorySessionRegistry registry = new MemorySessionRegistry();
    private final Map<String, Consumer<String>> subscribers = new ConcurrentHashMap<>();

    @Override
    Engine engineForNode() {
        return new Engine(new MemoryBroker(registry, subscribers), registry, "memory", () -> { });
    }
}
