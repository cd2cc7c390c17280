package dev.herald.engine;

import java.util.concurrent.atomic.AtomicLong;

class MemorySessionRegistryTest extends SessionRegistryContract {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Override
    SessionRegistry registry() {
        return new MemorySessionRegistry(clock::get);
    }

    @Override
    void advance(long millis) {
        clock.addAndGet(millis);
    }
}
