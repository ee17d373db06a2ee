package io.visionflow.store.dynamodb;

import io.visionflow.store.RequestStore;
import io.visionflow.store.RequestStoreContract;
import io.visionflow.store.memory.MemoryBlobStore;

class DynamoRequestStoreTest extends RequestStoreContract {
    @Override
    protected RequestStore newStore() {
        return DynamoTables.fresh(getClass()).requests(new MemoryBlobStore());
    }
}
