package io.visionflow.store.dynamodb;

import io.visionflow.store.UsageStore;
import io.visionflow.store.UsageStoreContract;

class DynamoUsageStoreTest extends UsageStoreContract {
    @Override
    protected UsageStore newStore() {
        return DynamoTables.fresh(getClass()).usage();
    }
}
