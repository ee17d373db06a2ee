package io.visionflow.local.store;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.ConflictException;
import io.visionflow.store.Page;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.RequestStore;
import io.visionflow.store.StoreException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Async requests in SQLite; a transition is one {@code UPDATE ... WHERE status = ?}. */
final class SqliteRequestStore implements RequestStore {
    private static final ObjectMapper JSON = Mappers.create();
    private static final String SELECT =
            "SELECT id, account, type, status, payload, response, error, created, updated FROM requests ";

    private final Db db;

    SqliteRequestStore(Db db) {
        this.db = db;
    }

    @Override
    public AsyncRequest create(AsyncRequest r) {
        Instant created = r.created() == null ? Instant.now() : r.created();
        Instant updated = r.updated() == null ? created : r.updated();
        AsyncRequest stored = new AsyncRequest(r.id(), r.account(), r.type(), RequestStatus.CREATED,
                copy(r.payload()), copy(r.response()), r.error(), created, updated);
        String payload = write(r.payload());
        String response = write(r.response());
        db.write("create request " + r.id(), c -> {
            if (Db.update(c, "INSERT INTO requests (account, id, type, status, payload, response, error, created, updated) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, id) DO NOTHING",
                    r.account(), r.id(), r.type(), RequestStatus.CREATED.name(), payload, response, r.error(),
                    Db.nanos(created), Db.nanos(updated)) == 0) {
                throw new ConflictException("request " + r.id() + " exists");
            }
            return null;
        });
        return stored;
    }

    @Override
    public Optional<AsyncRequest> get(String account, String id) {
        return db.readOne("get request " + id, c -> {
            try (ResultSet rs = Db.query(c, SELECT + "WHERE account = ? AND id = ?", account, id)) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public boolean transition(String account, String id, RequestStatus from, RequestStatus to, ObjectNode response,
                              String error) {
        String json = write(response);
        return db.write("move request " + id + " to " + to, c -> Db.update(c,
                "UPDATE requests SET status = ?, response = coalesce(?, response), error = coalesce(?, error), "
                        + "updated = ? WHERE account = ? AND id = ? AND status = ?",
                to.name(), json, error, Db.nanos(Instant.now()), account, id, from.name()) == 1);
    }

    @Override
    public Page<AsyncRequest> list(String account, String type, RequestStatus status, int offset, int limit) {
        Db.checkPage(offset, limit);
        List<Object> args = new ArrayList<>();
        StringBuilder filter = new StringBuilder("WHERE account = ?");
        args.add(account);
        if (type != null) {
            filter.append(" AND type = ?");
            args.add(type);
        }
        if (status != null) {
            filter.append(" AND status = ?");
            args.add(status.name());
        }
        return db.read("list requests", c -> {
            long total = Db.queryLong(c, "SELECT count(*) FROM requests " + filter, args.toArray());
            List<Object> pageArgs = new ArrayList<>(args);
            pageArgs.add(limit);
            pageArgs.add(offset);
            List<AsyncRequest> items = new ArrayList<>();
            try (ResultSet rs = Db.query(c, SELECT + filter + " ORDER BY created DESC, seq DESC LIMIT ? OFFSET ?",
                    pageArgs.toArray())) {
                while (rs.next()) {
                    items.add(row(rs));
                }
            }
            return new Page<>(items, total);
        });
    }

    private static AsyncRequest row(ResultSet rs) throws SQLException {
        return new AsyncRequest(rs.getString(1), rs.getString(2), rs.getString(3), RequestStatus.valueOf(rs.getString(4)),
                read(rs.getString(5)), read(rs.getString(6)), rs.getString(7), Db.instant(rs.getLong(8)),
                Db.instant(rs.getLong(9)));
    }

    private static ObjectNode copy(ObjectNode node) {
        return node == null ? null : node.deepCopy();
    }

    private static ObjectNode read(String json) {
        if (json == null) {
            return null;
        }
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new StoreException("a stored request has corrupt JSON", e);
        }
    }

    private static String write(ObjectNode node) {
        try {
            return node == null ? null : JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new StoreException("request JSON cannot be written", e);
        }
    }
}
