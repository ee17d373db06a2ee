package io.visionflow.store.memory;

import io.visionflow.store.RequestStore;
import io.visionflow.store.RequestStoreContract;

class MemoryRequestStoreTest extends RequestStoreContract {
    @Override
    protected RequestStore newStore() {
        return new MemoryRequestStore();
    }
}
