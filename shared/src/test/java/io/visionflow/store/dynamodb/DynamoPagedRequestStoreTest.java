package io.visionflow.store.dynamodb;

import io.visionflow.store.RequestStore;
import io.visionflow.store.RequestStoreContract;
import io.visionflow.store.memory.MemoryBlobStore;

/** The contract again with Query pages of 2 items, so every listing crosses page boundaries. */
class DynamoPagedRequestStoreTest extends RequestStoreContract {
    @Override
    protected RequestStore newStore() {
        return DynamoTables.fresh(getClass()).withPageSize(2).requests(new MemoryBlobStore());
    }
}
