package io.visionflow.store.dynamodb;

import io.visionflow.store.FlowStore;
import io.visionflow.store.FlowStoreContract;

class DynamoFlowStoreTest extends FlowStoreContract {
    @Override
    protected FlowStore newStore() {
        return DynamoTables.fresh(getClass()).flows();
    }
}
