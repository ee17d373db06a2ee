package io.visionflow.store.dynamodb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.ConflictException;
import io.visionflow.store.FlowStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoredFlow;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.visionflow.store.dynamodb.Dynamo.bool;
import static io.visionflow.store.dynamodb.Dynamo.call;
import static io.visionflow.store.dynamodb.Dynamo.n;
import static io.visionflow.store.dynamodb.Dynamo.s;
import static io.visionflow.store.dynamodb.Dynamo.str;

/**
 * Versioned flows without transactions: per flow one <b>head</b> item ({@code FLOW#<id>}) holding the
 * latest version in full, and one immutable <b>version</b> item per stored version
 * ({@code VERSION#<id>#<version>#<writer>}), all in the account's partition (see TABLES.md).
 *
 * <p>A write puts its version item first and then moves the head with one conditional update
 * ({@code version = :expected}, or {@code attribute_not_exists} on create), so exactly one of racing
 * writers moves it. Readers never see a head without its version: the head only names a version
 * (its number and, in the {@code committed} map, the writer id) after that version's item was
 * stored, and version items are never changed afterwards. The writer id in the key is what makes
 * this safe without a lock: racing writers of the same version number write different items, so
 * a loser cannot overwrite the winner's content; a loser deletes its item, and one left by a crash
 * between the two writes is never named by the head, so no reader sees it (it goes with the flow).
 */
public final class DynamoFlowStore implements FlowStore {
    private final DynamoDbClient client;
    private final String table;
    private final Integer pageSize;

    public DynamoFlowStore(DynamoDbClient client, String table) {
        this(client, table, null);
    }

    /** @param pageSize items per Query page (null: DynamoDB's 1 MB pages); small in tests, to cross pages */
    DynamoFlowStore(DynamoDbClient client, String table, Integer pageSize) {
        this.pageSize = pageSize;
        this.client = client;
        this.table = table;
    }

    private static Map<String, AttributeValue> key(String account, String sk) {
        return Map.of("pk", s(account), "sk", s(sk));
    }

    private static String head(String id) {
        return "FLOW#" + id;
    }

    private static String versionKey(String id, int version, String writer) {
        return "VERSION#" + id + "#" + String.format("%010d", version) + "#" + writer;
    }

    @Override
    public StoredFlow create(String account, String id, ObjectNode definition, boolean valid, String invalidReason) {
        Instant now = Instant.now();
        String writer = UUID.randomUUID().toString();
        putVersion(account, id, 1, writer, definition, valid, invalidReason, now);
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(account));
        item.put("sk", s(head(id)));
        item.put("id", s(id));
        item.put("version", n(1));
        item.put("definition", Dynamo.json(definition));
        item.put("valid", bool(valid));
        if (invalidReason != null) {
            item.put("invalid_reason", s(invalidReason));
        }
        item.put("created", Dynamo.instant(now));
        item.put("updated", Dynamo.instant(now));
        item.put("committed", AttributeValue.fromM(Map.of("1", s(writer))));
        boolean created = call("create flow", () -> {
            try {
                client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
        if (!created) {
            deleteQuietly(account, versionKey(id, 1, writer));
            throw new ConflictException("flow " + id + " exists");
        }
        return new StoredFlow(id, account, 1, definition, valid, invalidReason, now, now);
    }

    @Override
    public Optional<StoredFlow> get(String account, String id) {
        return readHead(account, id).map(h -> fromHead(account, h));
    }

    @Override
    public Optional<StoredFlow> version(String account, String id, int version) {
        Optional<Map<String, AttributeValue>> head = readHead(account, id);
        if (head.isEmpty() || version < 1 || version > Dynamo.num(head.get(), "version")) {
            return Optional.empty();
        }
        Map<String, AttributeValue> h = head.get();
        if (version == Dynamo.num(h, "version")) {
            return Optional.of(fromHead(account, h)); // the head also holds the latest validity
        }
        AttributeValue writer = h.get("committed").m().get(Integer.toString(version));
        if (writer == null) {
            return Optional.empty();
        }
        Map<String, AttributeValue> v = call("get flow version", () -> client.getItem(b -> b.tableName(table)
                .key(key(account, versionKey(id, version, writer.s()))).consistentRead(true))).item();
        if (v == null || v.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new StoredFlow(id, account, version, Dynamo.node(v, "definition"), Dynamo.flag(v, "valid"),
                str(v, "invalid_reason"), Dynamo.time(h, "created"), Dynamo.time(v, "updated")));
    }

    @Override
    public StoredFlow update(String account, String id, int expectedVersion, ObjectNode definition, boolean valid,
                             String invalidReason) {
        int next = expectedVersion + 1;
        Instant now = Instant.now();
        String writer = UUID.randomUUID().toString();
        putVersion(account, id, next, writer, definition, valid, invalidReason, now);

        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":e", n(expectedVersion));
        values.put(":n", n(next));
        values.put(":d", Dynamo.json(definition));
        values.put(":valid", bool(valid));
        values.put(":u", Dynamo.instant(now));
        values.put(":w", s(writer));
        String set = "SET #v = :n, #d = :d, valid = :valid, updated = :u, committed.#k = :w";
        String expression;
        if (invalidReason != null) {
            values.put(":r", s(invalidReason));
            expression = set + ", invalid_reason = :r";
        } else {
            expression = set + " REMOVE invalid_reason";
        }
        Map<String, AttributeValue> moved = call("update flow", () -> {
            try {
                return client.updateItem(b -> b.tableName(table).key(key(account, head(id)))
                        .updateExpression(expression)
                        .conditionExpression("#v = :e")
                        .expressionAttributeNames(Map.of("#v", "version", "#d", "definition", "#k", Integer.toString(next)))
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW)).attributes();
            } catch (ConditionalCheckFailedException e) {
                return null;
            }
        });
        if (moved == null) {
            deleteQuietly(account, versionKey(id, next, writer));
            Optional<Map<String, AttributeValue>> current = readHead(account, id);
            if (current.isEmpty()) {
                throw new NotFoundException("no flow " + id);
            }
            throw new ConflictException("flow " + id + " is at version " + Dynamo.num(current.get(), "version")
                    + ", not " + expectedVersion);
        }
        return new StoredFlow(id, account, next, definition, valid, invalidReason, Dynamo.time(moved, "created"), now);
    }

    @Override
    public void setValidity(String account, String id, boolean valid, String invalidReason) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":valid", bool(valid));
        String expression = "SET valid = :valid";
        if (invalidReason != null) {
            values.put(":r", s(invalidReason));
            expression += ", invalid_reason = :r";
        } else {
            expression += " REMOVE invalid_reason";
        }
        String update = expression;
        call("set flow validity", () -> {
            try {
                return client.updateItem(b -> b.tableName(table).key(key(account, head(id))).updateExpression(update)
                        .conditionExpression("attribute_exists(sk)").expressionAttributeValues(values));
            } catch (ConditionalCheckFailedException e) {
                throw new NotFoundException("no flow " + id);
            }
        });
    }

    /**
     * Deletes the head first: from then on the flow and all its versions read as missing, and the
     * version items deleted after it (or left by a crash here) are never named again.
     */
    @Override
    public boolean delete(String account, String id) {
        Map<String, AttributeValue> old = call("delete flow", () -> client.deleteItem(b -> b.tableName(table)
                .key(key(account, head(id))).returnValues(ReturnValue.ALL_OLD))).attributes();
        for (Map<String, AttributeValue> v : Dynamo.queryAll(client, QueryRequest.builder().tableName(table).limit(pageSize)
                .keyConditionExpression("pk = :a AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":a", s(account), ":p", s("VERSION#" + id + "#")))
                .projectionExpression("sk, flow").consistentRead(true).build())) {
            if (id.equals(str(v, "flow"))) { // the prefix also matches ids that start with "<id>#"
                deleteQuietly(account, str(v, "sk"));
            }
        }
        return old != null && !old.isEmpty();
    }

    /** Accounts have few flows, so the page is cut from a Query of the account's heads. */
    @Override
    public Page<StoredFlow> list(String account, int offset, int limit) {
        Dynamo.checkPage(offset, limit);
        List<StoredFlow> all = Dynamo.queryAll(client, QueryRequest.builder().tableName(table).limit(pageSize)
                        .keyConditionExpression("pk = :a AND begins_with(sk, :p)")
                        .expressionAttributeValues(Map.of(":a", s(account), ":p", s("FLOW#")))
                        .consistentRead(true).build())
                .stream().map(h -> fromHead(account, h))
                .sorted(Comparator.comparing(StoredFlow::created).thenComparing(StoredFlow::id))
                .toList();
        return new Page<>(Dynamo.slice(all, offset, limit), all.size());
    }

    private void putVersion(String account, String id, int version, String writer, ObjectNode definition,
                            boolean valid, String invalidReason, Instant at) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(account));
        item.put("sk", s(versionKey(id, version, writer)));
        item.put("flow", s(id));
        item.put("version", n(version));
        item.put("definition", Dynamo.json(definition));
        item.put("valid", bool(valid));
        if (invalidReason != null) {
            item.put("invalid_reason", s(invalidReason));
        }
        item.put("updated", Dynamo.instant(at));
        // unconditional: the key is this writer's alone, so a retry rewrites the same item
        call("put flow version", () -> client.putItem(b -> b.tableName(table).item(item)));
    }

    private Optional<Map<String, AttributeValue>> readHead(String account, String id) {
        Map<String, AttributeValue> item = call("get flow", () -> client.getItem(b -> b.tableName(table)
                .key(key(account, head(id))).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    private static StoredFlow fromHead(String account, Map<String, AttributeValue> h) {
        return new StoredFlow(str(h, "id"), account, (int) Dynamo.num(h, "version"), Dynamo.node(h, "definition"),
                Dynamo.flag(h, "valid"), str(h, "invalid_reason"), Dynamo.time(h, "created"), Dynamo.time(h, "updated"));
    }

    /** Removes an item nobody reads any more; failing to is harmless, so the fault is not raised. */
    private void deleteQuietly(String account, String sk) {
        try {
            client.deleteItem(b -> b.tableName(table).key(key(account, sk)));
        } catch (RuntimeException ignored) {
            // an unnamed version item is garbage, not a wrong answer; delete() of the flow removes it
        }
    }
}
