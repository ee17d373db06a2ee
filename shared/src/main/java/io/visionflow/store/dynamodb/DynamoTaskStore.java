package io.visionflow.store.dynamodb;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoreException;
import io.visionflow.store.StoredTask;
import io.visionflow.store.TaskStore;
import io.visionflow.task.Backend;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.Preprocessing;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.visionflow.store.dynamodb.Dynamo.call;
import static io.visionflow.store.dynamodb.Dynamo.n;
import static io.visionflow.store.dynamodb.Dynamo.s;
import static io.visionflow.store.dynamodb.Dynamo.str;

/**
 * Tasks as one item each ({@code pk} account, {@code sk} task id), the task itself as Jackson JSON in
 * {@code task}; updates are conditional on {@code version}. See TABLES.md.
 */
public final class DynamoTaskStore implements TaskStore {
    private final DynamoDbClient client;
    private final String table;
    private final Integer pageSize;

    public DynamoTaskStore(DynamoDbClient client, String table) {
        this(client, table, null);
    }

    /** @param pageSize items per Query page (null: DynamoDB's 1 MB pages); small in tests, to cross pages */
    DynamoTaskStore(DynamoDbClient client, String table, Integer pageSize) {
        this.pageSize = pageSize;
        this.client = client;
        this.table = table;
    }

    private static Map<String, AttributeValue> key(String account, String id) {
        return Map.of("pk", s(account), "sk", s(id));
    }

    @Override
    public StoredTask create(String account, Task task) {
        Instant now = Instant.now();
        Map<String, AttributeValue> item = Map.of(
                "pk", s(account), "sk", s(task.id()), "task", s(toJson(task)), "kind", s(task.kind().name()),
                "version", n(1), "created", Dynamo.instant(now), "updated", Dynamo.instant(now));
        call("create task", () -> {
            try {
                return client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
            } catch (ConditionalCheckFailedException e) {
                throw new ConflictException("task " + task.id() + " exists");
            }
        });
        return new StoredTask(task, account, 1, now, now);
    }

    @Override
    public Optional<StoredTask> get(String account, String id) {
        Map<String, AttributeValue> item = call("get task", () -> client.getItem(b -> b.tableName(table)
                .key(key(account, id)).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(account, item));
    }

    @Override
    public StoredTask update(String account, int expectedVersion, Task task) {
        Instant now = Instant.now();
        Map<String, AttributeValue> updated = call("update task", () -> {
            try {
                return client.updateItem(b -> b.tableName(table).key(key(account, task.id()))
                        .updateExpression("SET task = :t, kind = :k, #v = :n, updated = :u")
                        .conditionExpression("#v = :e")
                        .expressionAttributeNames(Map.of("#v", "version"))
                        .expressionAttributeValues(Map.of(":t", s(toJson(task)), ":k", s(task.kind().name()),
                                ":n", n(expectedVersion + 1), ":u", Dynamo.instant(now), ":e", n(expectedVersion)))
                        .returnValues(ReturnValue.ALL_NEW)).attributes();
            } catch (ConditionalCheckFailedException e) {
                return null;
            }
        });
        if (updated == null) {
            // the condition also fails on a missing item, which must not be created by the update
            StoredTask current = get(account, task.id())
                    .orElseThrow(() -> new NotFoundException("no task " + task.id()));
            throw new ConflictException("task " + task.id() + " is at version " + current.version()
                    + ", not " + expectedVersion);
        }
        return fromItem(account, updated);
    }

    @Override
    public boolean delete(String account, String id) {
        Map<String, AttributeValue> old = call("delete task", () -> client.deleteItem(b -> b.tableName(table)
                .key(key(account, id)).returnValues(ReturnValue.ALL_OLD))).attributes();
        return old != null && !old.isEmpty();
    }

    /** Accounts have few tasks, so the page is cut from a Query of the account's partition. */
    @Override
    public Page<StoredTask> list(String account, TaskKind kind, int offset, int limit) {
        Dynamo.checkPage(offset, limit);
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).limit(pageSize).consistentRead(true);
        if (kind == null) {
            q.keyConditionExpression("pk = :a").expressionAttributeValues(Map.of(":a", s(account)));
        } else {
            q.keyConditionExpression("pk = :a").filterExpression("kind = :k")
                    .expressionAttributeValues(Map.of(":a", s(account), ":k", s(kind.name())));
        }
        List<StoredTask> all = Dynamo.queryAll(client, q.build()).stream()
                .map(i -> fromItem(account, i))
                .sorted(Comparator.comparing(StoredTask::created).thenComparing(t -> t.task().id()))
                .toList();
        return new Page<>(Dynamo.slice(all, offset, limit), all.size());
    }

    /**
     * Writes and reads made-up tasks, one of each backend, as the table's items hold them: Jackson
     * builds its task codec here rather than on the first real read. Touches no table.
     */
    static void rehearseCodec() {
        List<Label> labels = List.of(new Label("0", "priming"));
        for (Backend backend : List.of(new HttpBackend("https://priming.invalid/", Map.of("x", "y"), null),
                new OnnxBackend("priming", Preprocessing.fixed(1, 1), new ClassifierOutput(null, null)))) {
            Task task = new Task("priming", "priming", TaskKind.CLASSIFICATION, labels, backend);
            Instant now = Instant.EPOCH;
            fromItem("priming", Map.of("sk", s(task.id()), "task", s(toJson(task)), "version", n(1),
                    "created", Dynamo.instant(now), "updated", Dynamo.instant(now)));
        }
    }

    private static String toJson(Task task) {
        try {
            return Dynamo.JSON.writeValueAsString(task);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot serialise task " + task.id() + ": " + e.getMessage(), e);
        }
    }

    private static StoredTask fromItem(String account, Map<String, AttributeValue> item) {
        Task task;
        try {
            task = Dynamo.JSON.readValue(str(item, "task"), Task.class);
        } catch (JsonProcessingException e) {
            throw new StoreException("stored task " + str(item, "sk") + " is unreadable: " + e.getMessage(), e);
        }
        return new StoredTask(task, account, (int) Dynamo.num(item, "version"), Dynamo.time(item, "created"),
                Dynamo.time(item, "updated"));
    }
}
