package io.visionflow.store.dynamodb;

import io.visionflow.store.TaskStore;
import io.visionflow.store.TaskStoreContract;

/** The contract again with Query pages of 2 items, so every listing crosses page boundaries. */
class DynamoPagedTaskStoreTest extends TaskStoreContract {
    @Override
    protected TaskStore newStore() {
        return DynamoTables.fresh(getClass()).withPageSize(2).tasks();
    }
}
