package dev.herald.node;

import dev.herald.engine.Engine;
import dev.herald.engine.MemoryBroker;
import dev.herald.engine.MemoryChannelMembers;
import dev.herald.engine.MemorySessionRegistry;

/** The node contract on the in-memory engine: two nodes sharing one JVM's registry, memberships and subscribers. */
class MemoryNodeTest extends NodeContract {

    private final MemorySessionRegistry registry = new MemorySessionRegistry();
    private final MemoryBroker.Bus bus = new MemoryBroker.Bus();
    private final MemoryChannelMembers members = new MemoryChannelMembers();

    @Override
    Engine engineForNode() {
        return new Engine(new MemoryBroker(registry, bus), registry, members, "memory", () -> { });
    }
}
