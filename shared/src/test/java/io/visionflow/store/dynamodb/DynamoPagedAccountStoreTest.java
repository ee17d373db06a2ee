package io.visionflow.store.dynamodb;

import io.visionflow.store.AccountStore;
import io.visionflow.store.AccountStoreContract;

/** The contract again with Query pages of 2 items, so every listing crosses page boundaries. */
class DynamoPagedAccountStoreTest extends AccountStoreContract {
    @Override
    protected AccountStore newStore() {
        return DynamoTables.fresh(getClass()).withPageSize(2).accounts();
    }
}
