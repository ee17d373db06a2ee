package io.visionflow.store.dynamodb;

import io.visionflow.store.BlobStore;
import io.visionflow.store.StoreException;
import io.visionflow.store.Stores;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The DynamoDB adapters of every store but blobs, over five tables named {@code <prefix>accounts},
 * {@code flows}, {@code tasks}, {@code requests} and {@code usage} (one per concern, so each Lambda's
 * policy names only the tables it uses). TABLES.md describes keys, indexes, items and TTL; in AWS the
 * tables come from template.yaml, {@link #createTables} is for tests and emulators.
 */
public final class DynamoStores {
    /** How long a finished async request stays readable before TTL may remove it. */
    public static final Duration REQUEST_RETENTION = Duration.ofDays(7);
    /** How long a charge id is remembered; longer than any redelivery (SQS keeps messages 14 days). */
    public static final Duration CHARGE_RETENTION = Duration.ofDays(30);

    private final DynamoDbClient client;
    private final String prefix;
    private final Integer pageSize;

    private DynamoStores(DynamoDbClient client, String prefix, Integer pageSize) {
        this.client = client;
        this.prefix = prefix;
        this.pageSize = pageSize;
    }

    /** Adapters over the tables named with {@code prefix}; nothing is created or checked. */
    public static DynamoStores of(DynamoDbClient client, String prefix) {
        return new DynamoStores(client, prefix, null);
    }

    /**
     * Builds the item codecs that bind JSON to records (stored tasks) on made-up items, touching no
     * table: for a function's priming and warm-up, so the first real read does not pay for it.
     */
    public static void rehearseCodecs() {
        DynamoTaskStore.rehearseCodec();
    }

    /** The same tables read in Query pages of {@code n} items, so tests cross page boundaries. */
    DynamoStores withPageSize(int n) {
        return new DynamoStores(client, prefix, n);
    }

    public String accountsTable() {
        return prefix + "accounts";
    }

    public String flowsTable() {
        return prefix + "flows";
    }

    public String tasksTable() {
        return prefix + "tasks";
    }

    public String requestsTable() {
        return prefix + "requests";
    }

    public String usageTable() {
        return prefix + "usage";
    }

    public DynamoAccountStore accounts() {
        return new DynamoAccountStore(client, accountsTable(), pageSize);
    }

    public DynamoFlowStore flows() {
        return new DynamoFlowStore(client, flowsTable(), pageSize);
    }

    public DynamoTaskStore tasks() {
        return new DynamoTaskStore(client, tasksTable(), pageSize);
    }

    /** Requests whose payloads and responses must fit in their items (tests, tools). */
    public DynamoRequestStore requests() {
        return requests(null);
    }

    /** Requests that keep a payload or response too large for an item in {@code blobs}. */
    public DynamoRequestStore requests(BlobStore blobs) {
        return new DynamoRequestStore(client, requestsTable(), REQUEST_RETENTION, pageSize, blobs);
    }

    public DynamoUsageStore usage() {
        return new DynamoUsageStore(client, usageTable(), CHARGE_RETENTION, pageSize);
    }

    /** The table of async runs ({@link DynamoAsyncState}): {@link #createRunsTable} here, {@code RunsTable} in template.yaml. */
    public String runsTable() {
        return prefix + "runs";
    }

    public DynamoAsyncState asyncState(java.time.Clock clock) {
        return new DynamoAsyncState(client, runsTable(), clock);
    }

    /** Creates the table of async runs (for tests and emulators) and waits until it is active. */
    public DynamoStores createRunsTable() {
        create(runsTable(), List.of("pk", "sk"), List.of());
        awaitActive(runsTable());
        return this;
    }

    /** The {@link Stores} bundle with these adapters and the given blob store (S3 in the cloud). */
    public Stores stores(BlobStore blobs) {
        return new Stores(accounts(), flows(), tasks(), blobs, requests(blobs), usage());
    }

    /**
     * Creates the tables (on demand billing) and waits until they are active; tables that exist are
     * left as they are. TTL is not switched on here: dynalite has no UpdateTimeToLive, and in AWS
     * template.yaml declares it on {@code expires_at}.
     */
    public DynamoStores createTables() {
        create(accountsTable(), List.of("pk"), List.of(new Gsi(DynamoAccountStore.BY_ACCOUNT, "token_of", null,
                ProjectionType.KEYS_ONLY)));
        create(flowsTable(), List.of("pk", "sk"), List.of());
        create(tasksTable(), List.of("pk", "sk"), List.of());
        create(requestsTable(), List.of("pk", "sk"), List.of(new Gsi(DynamoRequestStore.NEWEST, "pk", "created_order",
                ProjectionType.ALL)));
        create(usageTable(), List.of("pk", "sk"), List.of());
        for (String t : List.of(accountsTable(), flowsTable(), tasksTable(), requestsTable(), usageTable())) {
            awaitActive(t);
        }
        return this;
    }

    private record Gsi(String name, String hash, String range, ProjectionType projection) {
    }

    private void create(String table, List<String> key, List<Gsi> indexes) {
        List<String> attributes = new ArrayList<>(key);
        List<KeySchemaElement> schema = new ArrayList<>();
        schema.add(KeySchemaElement.builder().attributeName(key.get(0)).keyType(KeyType.HASH).build());
        if (key.size() > 1) {
            schema.add(KeySchemaElement.builder().attributeName(key.get(1)).keyType(KeyType.RANGE).build());
        }
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        for (Gsi g : indexes) {
            List<KeySchemaElement> gk = new ArrayList<>();
            gk.add(KeySchemaElement.builder().attributeName(g.hash()).keyType(KeyType.HASH).build());
            if (!attributes.contains(g.hash())) {
                attributes.add(g.hash());
            }
            if (g.range() != null) {
                gk.add(KeySchemaElement.builder().attributeName(g.range()).keyType(KeyType.RANGE).build());
                if (!attributes.contains(g.range())) {
                    attributes.add(g.range());
                }
            }
            gsis.add(GlobalSecondaryIndex.builder().indexName(g.name()).keySchema(gk)
                    .projection(Projection.builder().projectionType(g.projection()).build()).build());
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder().tableName(table).keySchema(schema)
                .attributeDefinitions(attributes.stream().map(a -> AttributeDefinition.builder().attributeName(a)
                        .attributeType(ScalarAttributeType.S).build()).toList())
                .billingMode(BillingMode.PAY_PER_REQUEST);
        if (!gsis.isEmpty()) {
            request.globalSecondaryIndexes(gsis);
        }
        try {
            Dynamo.call("create table " + table, () -> client.createTable(request.build()));
        } catch (StoreException e) {
            if (!(e.getCause() instanceof ResourceInUseException)) {
                throw e;
            }
        }
    }

    private void awaitActive(String table) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var t = Dynamo.call("describe table " + table, () -> client.describeTable(b -> b.tableName(table))).table();
            boolean indexesActive = !t.hasGlobalSecondaryIndexes() || t.globalSecondaryIndexes().stream()
                    .allMatch(i -> "ACTIVE".equals(i.indexStatusAsString()));
            if (t.tableStatus() == TableStatus.ACTIVE && indexesActive) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new StoreException("table " + table + " is not active after 60 s");
            }
            try {
                Thread.sleep(50); // the SDK waiter polls every 20 s, too slow for tests
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted while waiting for table " + table, e);
            }
        }
    }
}
