package io.visionflow.store.dynamodb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.BlobStore;
import io.visionflow.store.ConflictException;
import io.visionflow.store.Page;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.RequestStore;
import io.visionflow.store.StoreException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.visionflow.store.dynamodb.Dynamo.call;
import static io.visionflow.store.dynamodb.Dynamo.s;
import static io.visionflow.store.dynamodb.Dynamo.str;

/**
 * Async requests, one item each ({@code pk} account, {@code sk} request id). Status changes are
 * UpdateItems conditional on the current status. A request that ends ({@code DONE}/{@code ERROR})
 * gets {@code expires_at} (epoch seconds), the table's TTL attribute, so old results disappear.
 * Listing newest first reads the index {@code newest} (partition: account, sort: {@code created_order},
 * the creation instant in fixed-width digits then the id). A payload or response over
 * {@value #INLINE_LIMIT} bytes of JSON (a request of many records) is kept as a blob of kind
 * {@value #BLOB_KIND}, and the item holds its key: an item holds 400 KB in all. See TABLES.md.
 */
public final class DynamoRequestStore implements RequestStore {
    static final String NEWEST = "newest";
    /** Two of these and the other attributes stay well inside DynamoDB's 400 KB per item. */
    static final int INLINE_LIMIT = 100_000;
    static final String BLOB_KIND = RequestStore.BLOB_KIND;
    /** {@code payload_blob}, {@code response_blob}: the key of the blob that holds the attribute. */
    private static final String BLOB_SUFFIX = "_blob";

    private final DynamoDbClient client;
    private final String table;
    private final Integer pageSize;
    private final Duration retention;
    private final BlobStore blobs;

    /**
     * @param retention how long a finished request stays readable before TTL may remove it
     * @param blobs     where payloads and responses too large for an item go; null: such a request fails
     */
    public DynamoRequestStore(DynamoDbClient client, String table, Duration retention, BlobStore blobs) {
        this(client, table, retention, null, blobs);
    }

    /** @param pageSize items per Query page (null: DynamoDB's 1 MB pages); small in tests, to cross pages */
    DynamoRequestStore(DynamoDbClient client, String table, Duration retention, Integer pageSize, BlobStore blobs) {
        this.pageSize = pageSize;
        this.client = client;
        this.table = table;
        this.retention = retention;
        this.blobs = blobs;
    }

    /**
     * The attribute that holds {@code node}: {@code name} with its JSON, or {@code name_blob} with
     * the key of a blob holding it when it is too large for the item.
     */
    private Map.Entry<String, AttributeValue> json(String account, String name, ObjectNode node) {
        byte[] bytes = Dynamo.bytes(node);
        if (bytes.length <= INLINE_LIMIT) {
            return Map.entry(name, AttributeValue.fromS(new String(bytes, StandardCharsets.UTF_8)));
        }
        if (blobs == null) {
            throw new StoreException("the " + name + " of a request is " + bytes.length + " bytes of JSON, more than an item "
                    + "holds, and this store has no blob store to keep it in");
        }
        return Map.entry(name + BLOB_SUFFIX, s(blobs.put(account, BLOB_KIND, bytes)));
    }

    private ObjectNode node(Map<String, AttributeValue> item, String name) {
        String key = str(item, name + BLOB_SUFFIX);
        if (key == null) {
            return Dynamo.node(item, name);
        }
        // written by this store only, under the item's own account
        if (blobs == null || !key.startsWith(str(item, "pk") + "/" + BLOB_KIND + "/")) {
            throw new StoreException("the " + name + " of request " + str(item, "sk") + " is in a blob this store cannot read");
        }
        byte[] bytes = blobs.get(key).orElseThrow(() -> new StoreException("the " + name + " of request "
                + str(item, "sk") + " is gone from storage (blob " + key + ")"));
        return Dynamo.node(name, new String(bytes, StandardCharsets.UTF_8));
    }

    private static Map<String, AttributeValue> key(String account, String id) {
        return Map.of("pk", s(account), "sk", s(id));
    }

    static String createdOrder(Instant created, String id) {
        // fixed width, so string order is time order (the index sort key is a string to hold the id tie-break)
        return String.format("%012d%09d#%s", created.getEpochSecond(), created.getNano(), id);
    }

    @Override
    public AsyncRequest create(AsyncRequest r) {
        Instant created = r.created() == null ? Instant.now() : r.created();
        Instant updated = r.updated() == null ? created : r.updated();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(r.account()));
        item.put("sk", s(r.id()));
        item.put("type", s(r.type()));
        item.put("status", s(RequestStatus.CREATED.name()));
        if (r.payload() != null) {
            var payload = json(r.account(), "payload", r.payload());
            item.put(payload.getKey(), payload.getValue());
        }
        if (r.response() != null) {
            var response = json(r.account(), "response", r.response());
            item.put(response.getKey(), response.getValue());
        }
        if (r.error() != null) {
            item.put("error", s(r.error()));
        }
        item.put("created", Dynamo.instant(created));
        item.put("updated", Dynamo.instant(updated));
        item.put("created_order", s(createdOrder(created, r.id())));
        call("create request", () -> {
            try {
                return client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
            } catch (ConditionalCheckFailedException e) {
                throw new ConflictException("request " + r.id() + " exists");
            }
        });
        // as stored, without reading back a blob just written
        return new AsyncRequest(r.id(), r.account(), r.type(), RequestStatus.CREATED, r.payload(), r.response(), r.error(),
                Dynamo.time(item, "created"), Dynamo.time(item, "updated"));
    }

    @Override
    public Optional<AsyncRequest> get(String account, String id) {
        Map<String, AttributeValue> item = call("get request", () -> client.getItem(b -> b.tableName(table)
                .key(key(account, id)).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean transition(String account, String id, RequestStatus from, RequestStatus to, ObjectNode response,
                              String error) {
        Instant now = Instant.now();
        Map<String, String> names = new HashMap<>(Map.of("#s", "status"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":from", s(from.name()), ":to", s(to.name()), ":u", Dynamo.instant(now)));
        StringBuilder set = new StringBuilder("SET #s = :to, updated = :u");
        if (response != null) {
            // a blob written for a transition that then loses is left to the bucket's lifecycle rule
            var attribute = json(account, "response", response);
            names.put("#r", attribute.getKey());
            values.put(":r", attribute.getValue());
            set.append(", #r = :r");
        }
        if (error != null) {
            names.put("#e", "error");
            values.put(":e", s(error));
            set.append(", #e = :e");
        }
        if (to == RequestStatus.DONE || to == RequestStatus.ERROR) {
            values.put(":x", Dynamo.n(now.plus(retention).getEpochSecond()));
            set.append(", expires_at = :x");
        }
        // the condition is false on a missing item too, so a transition never creates one
        return call("transition request", () -> {
            try {
                client.updateItem(b -> b.tableName(table).key(key(account, id)).updateExpression(set.toString())
                        .conditionExpression("#s = :from").expressionAttributeNames(names)
                        .expressionAttributeValues(values));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    /**
     * The total is a COUNT query with the same filters (DynamoDB has no offset, so a page is read by
     * skipping {@code offset} matches). The index is eventually consistent in DynamoDB: a request
     * created a moment ago may be missing from a listing, never from {@link #get}.
     */
    @Override
    public Page<AsyncRequest> list(String account, String type, RequestStatus status, int offset, int limit) {
        Dynamo.checkPage(offset, limit);
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":a", s(account)));
        List<String> filters = new ArrayList<>();
        if (type != null) {
            names.put("#t", "type");
            values.put(":t", s(type));
            filters.add("#t = :t");
        }
        if (status != null) {
            names.put("#s", "status");
            values.put(":s", s(status.name()));
            filters.add("#s = :s");
        }
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).limit(pageSize).indexName(NEWEST)
                .keyConditionExpression("pk = :a").scanIndexForward(false).expressionAttributeValues(values);
        if (!filters.isEmpty()) {
            q.filterExpression(String.join(" AND ", filters)).expressionAttributeNames(names);
        }
        QueryRequest query = q.build();

        long total = 0;
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest page = query.toBuilder().select(Select.COUNT).exclusiveStartKey(start).build();
            QueryResponse r = call("count requests", () -> client.query(page));
            total += r.count();
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);

        List<AsyncRequest> items = new ArrayList<>();
        long wanted = offset >= total ? 0 : Math.min(total, (long) offset + limit);
        int seen = 0;
        start = null;
        while (seen < wanted) {
            QueryRequest page = query.toBuilder().exclusiveStartKey(start).build();
            QueryResponse r = call("list requests", () -> client.query(page));
            for (Map<String, AttributeValue> item : r.items()) {
                if (seen >= offset && seen < wanted) {
                    items.add(fromItem(item));
                }
                seen++;
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            if (start == null) {
                break;
            }
        }
        return new Page<>(items, total);
    }

    private AsyncRequest fromItem(Map<String, AttributeValue> item) {
        return new AsyncRequest(str(item, "sk"), str(item, "pk"), str(item, "type"),
                RequestStatus.valueOf(str(item, "status")), node(item, "payload"), node(item, "response"),
                str(item, "error"), Dynamo.time(item, "created"), Dynamo.time(item, "updated"));
    }
}
