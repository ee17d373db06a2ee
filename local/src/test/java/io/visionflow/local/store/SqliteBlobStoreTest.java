package io.visionflow.local.store;

import io.visionflow.store.BlobStore;
import io.visionflow.store.BlobStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path dir;
    private SqliteStores opened;

    @Override
    protected BlobStore newStore() {
        opened = SqliteStores.open(dir);
        return opened.blobs();
    }

    @AfterEach
    void closeStore() {
        opened.close();
    }
}
