package dev.herald.engine;

import dev.herald.engine.History.Retention;

class MemoryHistoryTest extends HistoryContract {

    @Override
    Engine engine(Retention retention) {
        return Engine.memory(retention);
    }

    @Override
    void forget(Engine engine) {
        ((MemoryHistory) engine.history()).clear();
    }
}
