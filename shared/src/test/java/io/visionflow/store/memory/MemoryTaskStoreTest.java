package io.visionflow.store.memory;

import io.visionflow.store.TaskStore;
import io.visionflow.store.TaskStoreContract;

class MemoryTaskStoreTest extends TaskStoreContract {
    @Override
    protected TaskStore newStore() {
        return new MemoryTaskStore();
    }
}
