package io.visionflow.store.memory;

import io.visionflow.store.BlobStore;
import io.visionflow.store.BlobStoreContract;

class MemoryBlobStoreTest extends BlobStoreContract {
    @Override
    protected BlobStore newStore() {
        return new MemoryBlobStore();
    }
}
