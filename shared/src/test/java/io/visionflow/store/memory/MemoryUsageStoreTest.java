package io.visionflow.store.memory;

import io.visionflow.store.UsageStore;
import io.visionflow.store.UsageStoreContract;

class MemoryUsageStoreTest extends UsageStoreContract {
    @Override
    protected UsageStore newStore() {
        return new MemoryUsageStore();
    }
}
