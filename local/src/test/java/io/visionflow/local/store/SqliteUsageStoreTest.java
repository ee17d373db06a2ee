package io.visionflow.local.store;

import io.visionflow.store.UsageStore;
import io.visionflow.store.UsageStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteUsageStoreTest extends UsageStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected UsageStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.usage();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
