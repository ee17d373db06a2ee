package io.visionflow.local.store;

import io.visionflow.store.FlowStore;
import io.visionflow.store.FlowStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteFlowStoreTest extends FlowStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected FlowStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.flows();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
