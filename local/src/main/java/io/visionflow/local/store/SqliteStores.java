package io.visionflow.local.store;

import io.visionflow.store.AccountStore;
import io.visionflow.store.BlobStore;
import io.visionflow.store.FlowStore;
import io.visionflow.store.RequestStore;
import io.visionflow.store.StoreException;
import io.visionflow.store.Stores;
import io.visionflow.store.TaskStore;
import io.visionflow.store.UsageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Durable stores of the local server in one data directory: {@code DIR/visionflow.db} (SQLite in
 * WAL mode, {@code synchronous=FULL}, schema created on open) and blobs as files under
 * {@code DIR/blobs/<key>}. Every acknowledged write survives a {@code kill -9}. Thread-safe; close it
 * when the server stops.
 */
public final class SqliteStores implements AutoCloseable {
    public static final String DATABASE_FILE = "visionflow.db";
    /** Reader connections: enough for a local server's concurrent reads, which never wait for writes in WAL mode. */
    public static final int DEFAULT_READERS = 4;

    private final Db db;
    private final Stores stores;

    private SqliteStores(Db db, Stores stores) {
        this.db = db;
        this.stores = stores;
    }

    /** Opens (creating when missing) the stores in {@code dataDir}. */
    public static SqliteStores open(Path dataDir) {
        return open(dataDir, DEFAULT_READERS);
    }

    public static SqliteStores open(Path dataDir, int readers) {
        if (readers < 1) {
            throw new IllegalArgumentException("need at least one reader connection");
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreException("cannot create the data directory " + dataDir, e);
        }
        Db db = Db.open(dataDir.resolve(DATABASE_FILE), readers);
        return new SqliteStores(db, new Stores(new SqliteAccountStore(db), new SqliteFlowStore(db),
                new SqliteTaskStore(db), new FileBlobStore(dataDir.resolve("blobs")), new SqliteRequestStore(db),
                new SqliteUsageStore(db)));
    }

    public Stores stores() {
        return stores;
    }

    public AccountStore accounts() {
        return stores.accounts();
    }

    public FlowStore flows() {
        return stores.flows();
    }

    public TaskStore tasks() {
        return stores.tasks();
    }

    public BlobStore blobs() {
        return stores.blobs();
    }

    public RequestStore requests() {
        return stores.requests();
    }

    public UsageStore usage() {
        return stores.usage();
    }

    /** SQLite's {@code PRAGMA integrity_check}: {@code "ok"} when the database file is sound. */
    public String integrityCheck() {
        return db.integrityCheck();
    }

    @Override
    public void close() {
        db.close();
    }
}
