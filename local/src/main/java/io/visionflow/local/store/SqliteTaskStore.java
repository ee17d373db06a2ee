package io.visionflow.local.store;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoreException;
import io.visionflow.store.StoredTask;
import io.visionflow.store.TaskStore;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tasks in SQLite, each kept as the JSON of the {@link Task} record. */
final class SqliteTaskStore implements TaskStore {
    private static final ObjectMapper JSON = Mappers.create();
    private static final String SELECT = "SELECT task, account, version, created, updated FROM tasks ";

    private final Db db;

    SqliteTaskStore(Db db) {
        this.db = db;
    }

    @Override
    public StoredTask create(String account, Task task) {
        String json = write(task);
        return db.write("create task " + task.id(), c -> {
            long now = Db.nanos(Instant.now());
            if (Db.update(c, "INSERT INTO tasks (account, id, kind, version, task, created, updated) "
                            + "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (account, id) DO NOTHING",
                    account, task.id(), task.kind().wire(), json, now, now) == 0) {
                throw new ConflictException("task " + task.id() + " exists");
            }
            return new StoredTask(task, account, 1, Db.instant(now), Db.instant(now));
        });
    }

    @Override
    public Optional<StoredTask> get(String account, String id) {
        return db.readOne("get task " + id, c -> {
            try (ResultSet rs = Db.query(c, SELECT + "WHERE account = ? AND id = ?", account, id)) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public StoredTask update(String account, int expectedVersion, Task task) {
        String json = write(task);
        return db.write("update task " + task.id(), c -> {
            long now = Db.nanos(Instant.now());
            if (Db.update(c, "UPDATE tasks SET version = version + 1, kind = ?, task = ?, updated = ? "
                            + "WHERE account = ? AND id = ? AND version = ?",
                    task.kind().wire(), json, now, account, task.id(), expectedVersion) == 0) {
                throw missingOrMoved(c, account, task.id(), expectedVersion);
            }
            long created = Db.queryLong(c, "SELECT created FROM tasks WHERE account = ? AND id = ?", account, task.id());
            return new StoredTask(task, account, expectedVersion + 1, Db.instant(created), Db.instant(now));
        });
    }

    private static StoreException missingOrMoved(Connection c, String account, String id, int expected)
            throws SQLException {
        try (ResultSet rs = Db.query(c, "SELECT version FROM tasks WHERE account = ? AND id = ?", account, id)) {
            if (!rs.next()) {
                return new NotFoundException("no task " + id);
            }
            return new ConflictException("task " + id + " is at version " + rs.getInt(1) + ", not " + expected);
        }
    }

    @Override
    public boolean delete(String account, String id) {
        return db.write("delete task " + id,
                c -> Db.update(c, "DELETE FROM tasks WHERE account = ? AND id = ?", account, id) > 0);
    }

    @Override
    public Page<StoredTask> list(String account, TaskKind kind, int offset, int limit) {
        Db.checkPage(offset, limit);
        return db.read("list tasks", c -> {
            String filter = kind == null ? "WHERE account = ?" : "WHERE account = ? AND kind = ?";
            Object[] args = kind == null ? new Object[]{account} : new Object[]{account, kind.wire()};
            long total = Db.queryLong(c, "SELECT count(*) FROM tasks " + filter, args);
            List<StoredTask> items = new ArrayList<>();
            Object[] pageArgs = new Object[args.length + 2];
            System.arraycopy(args, 0, pageArgs, 0, args.length);
            pageArgs[args.length] = limit;
            pageArgs[args.length + 1] = offset;
            try (ResultSet rs = Db.query(c, SELECT + filter + " ORDER BY seq LIMIT ? OFFSET ?", pageArgs)) {
                while (rs.next()) {
                    items.add(row(rs));
                }
            }
            return new Page<>(items, total);
        });
    }

    private static StoredTask row(ResultSet rs) throws SQLException {
        Task task;
        try {
            task = JSON.readValue(rs.getString(1), Task.class);
        } catch (JsonProcessingException e) {
            throw new StoreException("a stored task cannot be read: " + e.getOriginalMessage(), e);
        }
        return new StoredTask(task, rs.getString(2), rs.getInt(3), Db.instant(rs.getLong(4)), Db.instant(rs.getLong(5)));
    }

    private static String write(Task task) {
        try {
            return JSON.writeValueAsString(task);
        } catch (JsonProcessingException e) {
            throw new StoreException("task " + task.id() + " cannot be written as JSON", e);
        }
    }
}
