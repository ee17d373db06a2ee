package io.visionflow.local.store;

import io.visionflow.store.AccountStore;
import io.visionflow.store.AccountStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteAccountStoreTest extends AccountStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected AccountStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.accounts();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
