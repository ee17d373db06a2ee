package io.visionflow.local.store;

import io.visionflow.store.RequestStore;
import io.visionflow.store.RequestStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteRequestStoreTest extends RequestStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected RequestStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.requests();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
