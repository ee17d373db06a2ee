package io.visionflow.local.store;

import io.visionflow.store.TaskStore;
import io.visionflow.store.TaskStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteTaskStoreTest extends TaskStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected TaskStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.tasks();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
