package io.visionflow.local.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.Account;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.StoreException;
import io.visionflow.store.StoredFlow;
import io.visionflow.store.UsageRow;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What SqliteStores adds to the port contracts: its files, its schema, reopening, concurrency. */
class SqliteStoresTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LocalDate DAY = LocalDate.of(2026, 11, 25);

    @TempDir
    Path dir;

    private static ObjectNode def(String name) {
        ObjectNode d = JSON.createObjectNode();
        d.put("name", name);
        d.putObject("top_node").put("type", "list").put("id", "n1");
        return d;
    }

    @Test
    void everythingIsThereAfterReopening() throws Exception {
        Task task = new Task("t1", "remote", TaskKind.CLASSIFICATION, List.of(new Label("l1", "Cat")),
                new HttpBackend("https://models.example/classify", Map.of(), null));
        String blobKey;
        try (SqliteStores s = SqliteStores.open(dir)) {
            s.accounts().create(new Account("a", "A", "secret", Instant.parse("2026-01-01T00:00:00Z")));
            s.accounts().addToken("a", "f".repeat(64));
            s.flows().create("a", "f1", def("one"), true, null);
            s.flows().update("a", "f1", 1, def("two"), true, null);
            s.tasks().create("a", task);
            s.requests().create(new AsyncRequest("r1", "a", "flows", RequestStatus.CREATED, def("payload"), null, null,
                    Instant.now(), Instant.now()));
            s.requests().transition("a", "r1", RequestStatus.CREATED, RequestStatus.ERROR, null, "boom");
            s.usage().charge("a", DAY, "f1", 3, "c1");
            blobKey = s.blobs().put("a", "models", new byte[]{1, 2, 3});
        }
        try (SqliteStores s = SqliteStores.open(dir)) {
            assertThat(s.accounts().get("a")).isPresent();
            assertThat(s.accounts().accountOfToken("f".repeat(64))).contains("a");
            assertThat(s.flows().get("a", "f1")).get().extracting(StoredFlow::version).isEqualTo(2);
            assertThat(s.flows().version("a", "f1", 1)).get().extracting(StoredFlow::definition).isEqualTo(def("one"));
            assertThat(s.tasks().get("a", "t1")).get().satisfies(t -> assertThat(t.task()).isEqualTo(task));
            assertThat(s.requests().get("a", "r1")).get().satisfies(r -> assertThat(r.error()).isEqualTo("boom"));
            assertThat(s.usage().usage("a", DAY, DAY)).containsExactly(new UsageRow(DAY, "f1", 3));
            assertThat(s.usage().charge("a", DAY, "f1", 3, "c1")).isFalse();
            assertThat(s.blobs().get(blobKey)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void oneWalDatabaseWithASchemaVersion() throws Exception {
        SqliteStores.open(dir).close();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStores.DATABASE_FILE));
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = s.executeQuery("SELECT version FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(Db.SCHEMA_VERSION);
                assertThat(rs.next()).isFalse();
            }
        }
        // opening again neither fails nor adds a version row
        SqliteStores.open(dir).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStores.DATABASE_FILE));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM schema_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void aVersionOneDatabaseIsMigratedKeepingItsAccounts() throws Exception {
        java.nio.file.Files.createDirectories(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStores.DATABASE_FILE));
             Statement s = c.createStatement()) {
            for (String ddl : Schema.V1) {
                s.execute(ddl);
            }
            s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
            s.execute("INSERT INTO schema_version (version) VALUES (1)");
            s.execute("INSERT INTO accounts (id, name, webhook_secret, created) VALUES ('old', 'Old', 'k', 0)");
            s.execute("INSERT INTO tokens (hash, account) VALUES ('" + "a".repeat(64) + "', 'old')");
        }

        try (SqliteStores s = SqliteStores.open(dir)) {
            assertThat(s.accounts().get("old").orElseThrow().monthlyCredits()).isNull();
            assertThat(s.accounts().accountOfToken("a".repeat(64))).contains("old");
            s.accounts().setMonthlyCredits("old", 500L);
            assertThat(s.accounts().get("old").orElseThrow().monthlyCredits()).isEqualTo(500L);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStores.DATABASE_FILE));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version FROM schema_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(Db.SCHEMA_VERSION);
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aDatabaseFromANewerVersionIsRefused() throws Exception {
        SqliteStores.open(dir).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStores.DATABASE_FILE));
             Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET version = 99");
        }

        assertThatThrownBy(() -> SqliteStores.open(dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99");
    }

    @Test
    void blobsAreFilesNamedByTheirKey() throws Exception {
        try (SqliteStores s = SqliteStores.open(dir)) {
            byte[] bytes = "onnx".getBytes();
            String key = s.blobs().put("a", "models", bytes);

            assertThat(s.blobs().localFile(key)).isEqualTo(dir.resolve("blobs").resolve(key));
            assertThat(Files.readAllBytes(dir.resolve("blobs").resolve(key))).isEqualTo(bytes);
            try (Stream<Path> files = Files.walk(dir.resolve("blobs"))) {
                assertThat(files.filter(Files::isRegularFile)).containsExactly(dir.resolve("blobs").resolve(key));
            }
        }
    }

    @Test
    void keysCannotLeaveTheBlobDirectory() throws Exception {
        Files.writeString(dir.resolve("secret"), "x");
        try (SqliteStores s = SqliteStores.open(dir)) {
            assertThat(s.blobs().get("../secret")).isEmpty();
            assertThat(s.blobs().get("a/../../secret")).isEmpty();
            assertThatThrownBy(() -> s.blobs().localFile("../secret")).isInstanceOf(NotFoundException.class);
            assertThat(s.blobs().delete("../secret")).isFalse();
            assertThatThrownBy(() -> s.blobs().put("..", "models", new byte[1])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.blobs().put("a", "x/../..", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(dir.resolve("secret")).exists();
    }

    @Test
    void manyThreadsReadingAndWritingAtOnceNeitherFailNorLoseWrites() throws Exception {
        try (SqliteStores s = SqliteStores.open(dir, 2)) {
            int writers = 8;
            int flowsEach = 40;
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(writers + 4);
            try {
                List<Future<?>> readers = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    readers.add(pool.submit(() -> {
                        while (writing.get()) {
                            long total = s.flows().list("a", 0, 5).total();
                            assertThat(total).isBetween(0L, (long) writers * flowsEach);
                            s.usage().usage("a", DAY, DAY);
                        }
                        return null;
                    }));
                }
                List<Future<?>> writes = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    writes.add(pool.submit(() -> {
                        for (int i = 0; i < flowsEach; i++) {
                            String id = "w" + writer + "-" + i;
                            s.flows().create("a", id, def(id), true, null);
                            s.flows().update("a", id, 1, def(id + "'"), true, null);
                            s.usage().charge("a", DAY, "f", 1, id);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : writes) {
                    f.get();
                }
                writing.set(false);
                for (Future<?> f : readers) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(s.flows().list("a", 0, 1000).items()).hasSize(writers * flowsEach)
                    .allSatisfy(f -> assertThat(f.version()).isEqualTo(2));
            assertThat(s.usage().usage("a", DAY, DAY)).containsExactly(new UsageRow(DAY, "f", writers * flowsEach));
        }
    }

    @Test
    void twoOpenersOfOneDirectoryShareItWithoutLosingCharges() throws Exception {
        // as the CLI does next to a running server: separate connections, so SQLite's own locks decide
        try (SqliteStores server = SqliteStores.open(dir); SqliteStores cli = SqliteStores.open(dir)) {
            int perThread = 150;
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    SqliteStores s = t % 2 == 0 ? server : cli;
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            assertThat(s.usage().charge("a", DAY, "f", 1, thread + "-" + i)).isTrue();
                            // the same charge through the other opener is recognised
                            assertThat((s == server ? cli : server).usage().charge("a", DAY, "f", 1, thread + "-" + i))
                                    .isFalse();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.usage().usage("a", DAY, DAY)).containsExactly(new UsageRow(DAY, "f", 4 * perThread));
            assertThat(cli.usage().usage("a", DAY, DAY)).containsExactly(new UsageRow(DAY, "f", 4 * perThread));
        }
    }
}
