package io.visionflow.local.store;

import io.visionflow.store.StoreException;
import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The SQLite database: one writer connection behind a lock and a few reader connections.
 *
 * <p>SQLite runs one write transaction at a time whatever we do, so a single writer costs no
 * throughput; serialising writers in Java instead of in SQLite means no thread ever sees
 * {@code SQLITE_BUSY} or a failed lock upgrade, and every write transaction starts with
 * {@code BEGIN IMMEDIATE} so another process (the CLI on the same data directory) waits on the busy
 * timeout instead of failing mid-transaction. In WAL mode readers see the last committed state and
 * never wait for the writer, so reads get their own small pool.
 */
final class Db implements AutoCloseable {
    static final int SCHEMA_VERSION = 2;
    private static final int BUSY_TIMEOUT_MS = 10_000;

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Connection writer;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final BlockingQueue<Connection> readers;
    private final List<Connection> all = new ArrayList<>();

    private Db(Path file, int readerCount) throws SQLException {
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        readers = new ArrayBlockingQueue<>(readerCount);
        try {
            writer = DriverManager.getConnection(url, config().toProperties());
            all.add(writer);
            migrate();
            for (int i = 0; i < readerCount; i++) {
                Connection r = DriverManager.getConnection(url, config().toProperties());
                all.add(r);
                exec(r, "PRAGMA query_only = true"); // a read connection that tried to write would be a bug
                readers.add(r);
            }
        } catch (SQLException | RuntimeException e) {
            for (Connection c : all) {
                forget(c);
                try {
                    c.close();
                } catch (SQLException close) {
                    e.addSuppressed(close);
                }
            }
            throw e;
        }
    }

    static Db open(Path file, int readerCount) {
        try {
            return new Db(file, readerCount);
        } catch (SQLException e) {
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        }
    }

    private static SQLiteConfig config() {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL fsyncs the WAL at every commit: an acknowledged write (a charge, a new flow version)
        // survives a power cut, not only a killed process. One fsync per write is cheap next to
        // running a model; NORMAL would only survive process crashes.
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.setBusyTimeout(BUSY_TIMEOUT_MS);
        return c;
    }

    private void migrate() throws SQLException {
        inWrite(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
                Integer current = null;
                try (ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
                    if (rs.next()) {
                        int v = rs.getInt(1);
                        current = rs.wasNull() ? null : v;
                    }
                }
                if (current != null && current > SCHEMA_VERSION) {
                    throw new SQLException("schema version " + current + " is newer than this Visionflow understands ("
                            + SCHEMA_VERSION + ")");
                }
                int from = current == null ? 0 : current;
                if (from < SCHEMA_VERSION) {
                    // in the one write transaction: a crash mid-migration leaves the old version whole
                    for (List<String> step : Schema.ALL.subList(from, SCHEMA_VERSION)) {
                        for (String ddl : step) {
                            s.execute(ddl);
                        }
                    }
                    s.execute(current == null ? "INSERT INTO schema_version (version) VALUES (" + SCHEMA_VERSION + ")"
                            : "UPDATE schema_version SET version = " + SCHEMA_VERSION);
                }
            }
            return null;
        });
    }

    /** Runs {@code work} in one write transaction: committed when it returns, rolled back when it throws. */
    <T> T write(String what, Work<T> work) {
        try {
            return inWrite(work);
        } catch (SQLException e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    private <T> T inWrite(Work<T> work) throws SQLException {
        writeLock.lock();
        try {
            exec(writer, "BEGIN IMMEDIATE");
            try {
                T result = work.run(writer);
                exec(writer, "COMMIT");
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                // also after a failed COMMIT: the connection must not stay inside a transaction
                try {
                    exec(writer, "ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Runs {@code work} in one read transaction, so its queries see one snapshot. */
    <T> T read(String what, Work<T> work) {
        return read(what, work, true);
    }

    /**
     * Runs {@code work}, which makes a single query, without a transaction of its own: SQLite runs
     * every statement on one snapshot anyway, and BEGIN and COMMIT around it were two more
     * statements and lock round trips per read.
     */
    <T> T readOne(String what, Work<T> work) {
        return read(what, work, false);
    }

    /**
     * Reads on the writer connection when no write holds it, else on a reader. Each commit makes the
     * other connections of the file drop their page caches, and the writer commits after every
     * charged call, so a reader reloaded every page it touched (most of a flow GET's time); the
     * writer's own cache stays valid across its commits. A read there is short and never waits for
     * the writer: it takes the connection only when it is free.
     */
    private <T> T read(String what, Work<T> work, boolean transaction) {
        if (writeLock.tryLock()) {
            try {
                return run(writer, what, work, transaction);
            } finally {
                writeLock.unlock();
            }
        }
        Connection c;
        try {
            c = readers.poll(BUSY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + ": interrupted waiting for a connection", e);
        }
        if (c == null) {
            throw new StoreException(what + ": no database connection free after " + BUSY_TIMEOUT_MS + " ms");
        }
        try {
            return run(c, what, work, transaction);
        } finally {
            readers.add(c);
        }
    }

    private static <T> T run(Connection c, String what, Work<T> work, boolean transaction) {
        try {
            if (!transaction) {
                return work.run(c);
            }
            exec(c, "BEGIN");
            T result;
            try {
                result = work.run(c);
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    exec(c, "ROLLBACK");
                } catch (SQLException end) {
                    e.addSuppressed(end);
                }
                throw e;
            }
            exec(c, "COMMIT");
            return result;
        } catch (SQLException e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    /** Transaction control and pragmas: prepared once per connection like every other statement. */
    private static void exec(Connection c, String sql) throws SQLException {
        statement(c, sql).execute();
    }

    /** {@code PRAGMA integrity_check}: "ok" when the file is sound. */
    String integrityCheck() {
        return read("integrity check", c -> {
            StringBuilder out = new StringBuilder();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                while (rs.next()) {
                    out.append(out.isEmpty() ? "" : "; ").append(rs.getString(1));
                }
            }
            return out.toString();
        });
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            StoreException failure = null;
            for (Connection c : all) {
                forget(c);
                try {
                    c.close();
                } catch (SQLException e) {
                    if (failure == null) {
                        failure = new StoreException("closing the database: " + e.getMessage(), e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            writeLock.unlock();
        }
    }

    // --- small helpers for the stores

    /**
     * Prepared statements, kept per connection: preparing took a fifth of a flow's GET. A
     * connection is used by one thread at a time (the writer behind its lock, a reader taken from
     * the pool), so its own map needs no lock.
     */
    private static final Map<Connection, Map<String, PreparedStatement>> STATEMENTS = new ConcurrentHashMap<>();
    /** Statements kept per connection at most; SQL here is a fixed set of strings, far fewer. */
    private static final int MAX_STATEMENTS = 256;

    /** The connection's statement for {@code sql}, with {@code args} bound; not to be closed by the caller. */
    private static PreparedStatement statement(Connection c, String sql, Object... args) throws SQLException {
        Map<String, PreparedStatement> cache = STATEMENTS.computeIfAbsent(c, k -> new HashMap<>());
        PreparedStatement ps = cache.get(sql);
        if (ps == null || ps.isClosed()) {
            if (cache.size() >= MAX_STATEMENTS) {
                forget(c);
                cache = STATEMENTS.computeIfAbsent(c, k -> new HashMap<>());
            }
            ps = c.prepareStatement(sql);
            cache.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** Closes and forgets the statements kept for {@code c}. */
    private static void forget(Connection c) {
        Map<String, PreparedStatement> cache = STATEMENTS.remove(c);
        if (cache != null) {
            for (PreparedStatement ps : cache.values()) {
                try {
                    ps.close();
                } catch (SQLException e) {
                    // the connection closes it anyway
                }
            }
        }
    }

    /** Runs a query; the caller closes the result set, which frees the statement for the next use. */
    static ResultSet query(Connection c, String sql, Object... args) throws SQLException {
        return statement(c, sql, args).executeQuery();
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        return statement(c, sql, args).executeUpdate();
    }

    static long queryLong(Connection c, String sql, Object... args) throws SQLException {
        try (ResultSet rs = query(c, sql, args)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (ResultSet rs = query(c, sql, args)) {
            return rs.next();
        }
    }

    /** Instants as nanoseconds since the epoch: exact, and ordered as numbers. */
    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    static void checkPage(int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative (got " + offset + ", " + limit + ")");
        }
    }
}
