package io.visionflow.store.memory;

import io.visionflow.store.FlowStore;
import io.visionflow.store.FlowStoreContract;

class MemoryFlowStoreTest extends FlowStoreContract {
    @Override
    protected FlowStore newStore() {
        return new MemoryFlowStore();
    }
}
