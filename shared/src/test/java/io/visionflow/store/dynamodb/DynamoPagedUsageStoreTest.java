package io.visionflow.store.dynamodb;

import io.visionflow.store.UsageStore;
import io.visionflow.store.UsageStoreContract;

/** The contract again with Query pages of 2 items, so every listing crosses page boundaries. */
class DynamoPagedUsageStoreTest extends UsageStoreContract {
    @Override
    protected UsageStore newStore() {
        return DynamoTables.fresh(getClass()).withPageSize(2).usage();
    }
}
