package io.visionflow.store.memory;

import io.visionflow.store.Stores;

/**
 * Thread-safe in-memory adapters of every store port: for tests of the API and as the reference
 * the other adapters are checked against (they all pass the same contract suites).
 */
public final class MemoryStores {
    private MemoryStores() {
    }

    /** A fresh, empty set of stores. */
    public static Stores create() {
        return new Stores(new MemoryAccountStore(), new MemoryFlowStore(), new MemoryTaskStore(),
                new MemoryBlobStore(), new MemoryRequestStore(), new MemoryUsageStore());
    }
}
