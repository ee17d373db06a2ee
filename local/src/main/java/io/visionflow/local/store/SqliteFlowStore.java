package io.visionflow.local.store;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.ConflictException;
import io.visionflow.store.FlowStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoreException;
import io.visionflow.store.StoredFlow;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Versioned flows in SQLite: {@code flows} holds each flow's latest version number, and moving it
 * with {@code UPDATE ... WHERE version = ?} is the conditional write; {@code flow_versions} keeps
 * every version.
 */
final class SqliteFlowStore implements FlowStore {
    private static final ObjectMapper JSON = Mappers.create();
    private static final String SELECT = "SELECT v.id, v.account, v.version, v.definition, v.valid, v.invalid_reason, "
            + "f.created, v.updated FROM flows f JOIN flow_versions v ON v.account = f.account AND v.id = f.id ";

    private final Db db;

    SqliteFlowStore(Db db) {
        this.db = db;
    }

    @Override
    public StoredFlow create(String account, String id, ObjectNode definition, boolean valid, String invalidReason) {
        String json = write(definition);
        return db.write("create flow " + id, c -> {
            Instant now = Instant.now();
            if (Db.update(c, "INSERT INTO flows (account, id, version, created) VALUES (?, ?, 1, ?) "
                    + "ON CONFLICT (account, id) DO NOTHING", account, id, Db.nanos(now)) == 0) {
                throw new ConflictException("flow " + id + " exists");
            }
            insertVersion(c, account, id, 1, json, valid, invalidReason, now);
            return new StoredFlow(id, account, 1, definition, valid, invalidReason, now, now);
        });
    }

    @Override
    public Optional<StoredFlow> get(String account, String id) {
        return db.readOne("get flow " + id, c -> one(c, SELECT + "AND v.version = f.version WHERE f.account = ? AND f.id = ?",
                account, id));
    }

    @Override
    public Optional<StoredFlow> version(String account, String id, int version) {
        return db.readOne("get flow " + id + " version " + version, c -> one(c,
                SELECT + "WHERE f.account = ? AND f.id = ? AND v.version = ?", account, id, version));
    }

    @Override
    public StoredFlow update(String account, String id, int expectedVersion, ObjectNode definition, boolean valid,
                             String invalidReason) {
        String json = write(definition);
        return db.write("update flow " + id, c -> {
            if (Db.update(c, "UPDATE flows SET version = version + 1 WHERE account = ? AND id = ? AND version = ?",
                    account, id, expectedVersion) == 0) {
                throw missingOrMoved(c, account, id, expectedVersion);
            }
            Instant now = Instant.now();
            insertVersion(c, account, id, expectedVersion + 1, json, valid, invalidReason, now);
            long created = Db.queryLong(c, "SELECT created FROM flows WHERE account = ? AND id = ?", account, id);
            return new StoredFlow(id, account, expectedVersion + 1, definition, valid, invalidReason,
                    Db.instant(created), now);
        });
    }

    private static StoreException missingOrMoved(Connection c, String account, String id, int expected)
            throws SQLException {
        try (ResultSet rs = Db.query(c, "SELECT version FROM flows WHERE account = ? AND id = ?", account, id)) {
            if (!rs.next()) {
                return new NotFoundException("no flow " + id);
            }
            return new ConflictException("flow " + id + " is at version " + rs.getInt(1) + ", not " + expected);
        }
    }

    @Override
    public void setValidity(String account, String id, boolean valid, String invalidReason) {
        db.write("set validity of flow " + id, c -> {
            if (Db.update(c, "UPDATE flow_versions SET valid = ?, invalid_reason = ? WHERE account = ? AND id = ? "
                            + "AND version = (SELECT version FROM flows WHERE account = ? AND id = ?)",
                    valid ? 1 : 0, invalidReason, account, id, account, id) == 0) {
                throw new NotFoundException("no flow " + id);
            }
            return null;
        });
    }

    @Override
    public boolean delete(String account, String id) {
        return db.write("delete flow " + id, c -> {
            boolean existed = Db.update(c, "DELETE FROM flows WHERE account = ? AND id = ?", account, id) > 0;
            Db.update(c, "DELETE FROM flow_versions WHERE account = ? AND id = ?", account, id);
            return existed;
        });
    }

    @Override
    public Page<StoredFlow> list(String account, int offset, int limit) {
        Db.checkPage(offset, limit);
        return db.read("list flows", c -> {
            long total = Db.queryLong(c, "SELECT count(*) FROM flows WHERE account = ?", account);
            List<StoredFlow> items = new ArrayList<>();
            try (ResultSet rs = Db.query(c, SELECT + "AND v.version = f.version WHERE f.account = ? "
                    + "ORDER BY f.seq LIMIT ? OFFSET ?", account, limit, offset)) {
                while (rs.next()) {
                    items.add(row(rs));
                }
            }
            return new Page<>(items, total);
        });
    }

    private static void insertVersion(Connection c, String account, String id, int version, String json, boolean valid,
                                      String invalidReason, Instant at) throws SQLException {
        Db.update(c, "INSERT INTO flow_versions (account, id, version, definition, valid, invalid_reason, updated) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)", account, id, version, json, valid ? 1 : 0, invalidReason, Db.nanos(at));
    }

    private Optional<StoredFlow> one(Connection c, String sql, Object... args) throws SQLException {
        try (ResultSet rs = Db.query(c, sql, args)) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    /**
     * Parsed definitions by account, id and version. A version's definition never changes once
     * written, so nothing here is ever stale; parsing it again was a fifth of a flow GET. StoredFlow
     * copies what it is given, so the cached trees are never handed out.
     */
    private final Map<String, ObjectNode> parsed = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, ObjectNode> eldest) {
                    return size() > 512;
                }
            });

    private StoredFlow row(ResultSet rs) throws SQLException {
        String key = rs.getString(2) + "\u0000" + rs.getString(1) + "\u0000" + rs.getInt(3);
        ObjectNode definition = parsed.get(key);
        if (definition == null) {
            try {
                definition = (ObjectNode) JSON.readTree(rs.getString(4));
            } catch (JsonProcessingException | ClassCastException e) {
                throw new StoreException("flow " + rs.getString(1) + " has a corrupt definition", e);
            }
            parsed.put(key, definition);
        }
        return new StoredFlow(rs.getString(1), rs.getString(2), rs.getInt(3), definition, rs.getInt(5) != 0,
                rs.getString(6), Db.instant(rs.getLong(7)), Db.instant(rs.getLong(8)));
    }

    private static String write(ObjectNode definition) {
        try {
            return JSON.writeValueAsString(definition);
        } catch (JsonProcessingException e) {
            throw new StoreException("flow definition cannot be written as JSON", e);
        }
    }
}
