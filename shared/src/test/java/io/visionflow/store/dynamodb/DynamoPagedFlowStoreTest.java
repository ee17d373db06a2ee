package io.visionflow.store.dynamodb;

import io.visionflow.store.FlowStore;
import io.visionflow.store.FlowStoreContract;

/** The contract again with Query pages of 2 items, so every listing crosses page boundaries. */
class DynamoPagedFlowStoreTest extends FlowStoreContract {
    @Override
    protected FlowStore newStore() {
        return DynamoTables.fresh(getClass()).withPageSize(2).flows();
    }
}
