package io.visionflow.store.memory;

import io.visionflow.store.AccountStore;
import io.visionflow.store.AccountStoreContract;

class MemoryAccountStoreTest extends AccountStoreContract {
    @Override
    protected AccountStore newStore() {
        return new MemoryAccountStore();
    }
}
