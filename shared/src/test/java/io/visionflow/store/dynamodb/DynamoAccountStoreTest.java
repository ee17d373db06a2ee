package io.visionflow.store.dynamodb;

import io.visionflow.store.AccountStore;
import io.visionflow.store.AccountStoreContract;

class DynamoAccountStoreTest extends AccountStoreContract {
    @Override
    protected AccountStore newStore() {
        return DynamoTables.fresh(getClass()).accounts();
    }
}
