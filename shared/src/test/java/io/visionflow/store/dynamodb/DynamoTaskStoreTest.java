package io.visionflow.store.dynamodb;

import io.visionflow.store.TaskStore;
import io.visionflow.store.TaskStoreContract;

class DynamoTaskStoreTest extends TaskStoreContract {
    @Override
    protected TaskStore newStore() {
        return DynamoTables.fresh(getClass()).tasks();
    }
}
