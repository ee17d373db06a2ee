package io.visionflow.store.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.Account;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.ConflictException;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.StoreException;
import io.visionflow.store.StoredFlow;
import io.visionflow.store.UsageRow;
import io.visionflow.store.memory.MemoryBlobStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the DynamoDB adapters promise beyond the contract suites: crash windows, races, TTL, faults. */
class DynamoAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "acct-a";
    private static final LocalDate D1 = LocalDate.of(2026, 3, 1);
    private static final LocalDate D2 = LocalDate.of(2026, 3, 2);

    private DynamoStores stores;

    @BeforeEach
    void tables() {
        stores = DynamoTables.fresh(getClass());
    }

    private static ObjectNode definition(String name) {
        ObjectNode d = JSON.createObjectNode();
        d.put("name", name);
        d.putObject("top_node").put("type", "list").put("id", "n1").putArray("actions");
        return d;
    }

    private List<Map<String, AttributeValue>> partition(String table, String account) {
        return DynamoTables.client().query(b -> b.tableName(table).keyConditionExpression("pk = :a")
                .expressionAttributeValues(Map.of(":a", AttributeValue.fromS(account))).consistentRead(true)).items();
    }

    @Test
    void racingFlowWritersExactlyOneWinsAndEveryVersionKeepsItsWinnersContent() throws Exception {
        DynamoFlowStore flows = stores.flows();
        flows.create(A, "f1", definition("v1"), true, null);
        for (int version = 1; version <= 5; version++) {
            int writers = 6;
            int expected = version;
            CyclicBarrier start = new CyclicBarrier(writers);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String name = "v" + (version + 1) + "-writer-" + w;
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            flows.update(A, "f1", expected, definition(name), true, null);
                            return name;
                        } catch (ConflictException e) {
                            return null;
                        }
                    }));
                }
                List<String> winners = new ArrayList<>();
                for (Future<String> r : results) {
                    if (r.get() != null) {
                        winners.add(r.get());
                    }
                }
                assertThat(winners).hasSize(1);
                // a loser's version item must not have replaced the winner's
                assertThat(flows.version(A, "f1", version + 1)).get().extracting(StoredFlow::definition)
                        .isEqualTo(definition(winners.getFirst()));
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(flows.get(A, "f1")).get().extracting(StoredFlow::version).isEqualTo(6);
        assertThat(flows.version(A, "f1", 1)).get().extracting(StoredFlow::definition).isEqualTo(definition("v1"));
        // losers cleaned up after themselves: one head and one item per stored version
        assertThat(partition(stores.flowsTable(), A)).hasSize(1 + 6);
    }

    @Test
    void aVersionItemLeftByACrashBeforeTheHeadMovedIsNeverReadAndBlocksNothing() {
        DynamoFlowStore flows = stores.flows();
        StoredFlow v1 = flows.create(A, "f1", definition("v1"), true, null);
        // a writer that stored its version 2 and died before moving the head
        DynamoTables.client().putItem(b -> b.tableName(stores.flowsTable()).item(Map.of(
                "pk", AttributeValue.fromS(A), "sk", AttributeValue.fromS("VERSION#f1#0000000002#crashed"),
                "flow", AttributeValue.fromS("f1"), "version", AttributeValue.fromN("2"),
                "definition", AttributeValue.fromS("{\"name\":\"orphan\"}"), "valid", AttributeValue.fromBool(true),
                "updated", AttributeValue.fromS(Instant.now().toString()))));

        assertThat(flows.get(A, "f1")).contains(v1);
        assertThat(flows.version(A, "f1", 2)).isEmpty();

        StoredFlow v2 = flows.update(A, "f1", 1, definition("v2"), true, null);
        assertThat(flows.version(A, "f1", 2)).contains(v2);
        assertThat(flows.update(A, "f1", 2, definition("v3"), true, null).version()).isEqualTo(3);
        assertThat(flows.version(A, "f1", 2)).contains(v2);

        assertThat(flows.delete(A, "f1")).isTrue();
        assertThat(partition(stores.flowsTable(), A)).isEmpty(); // the orphan goes with the flow
    }

    @Test
    void deletingAFlowLeavesFlowsWhoseIdsStartWithItsIdAlone() {
        DynamoFlowStore flows = stores.flows();
        flows.create(A, "f", definition("short"), true, null);
        StoredFlow other = flows.create(A, "f#2", definition("longer"), true, null);

        assertThat(flows.delete(A, "f")).isTrue();

        assertThat(flows.get(A, "f#2")).contains(other);
        assertThat(flows.version(A, "f#2", 1)).contains(other);
    }

    @Test
    void aChargeRetriedAfterACrashBetweenItsTwoWritesCountsOnce() {
        DynamoUsageStore usage = stores.usage();
        // the first delivery recorded the charge item and died before the counter update
        usage.claim(A, "step-1", new DynamoUsageStore.Target(D1, "f1", 3));
        assertThat(usage.usage(A, D1, D2)).isEmpty();

        // the redelivery finishes it, on the counter the charge item names
        assertThat(usage.charge(A, D1, "f1", 3, "step-1")).isTrue();
        assertThat(usage.charge(A, D1, "f1", 3, "step-1")).isFalse();
        assertThat(usage.usage(A, D1, D2)).containsExactly(new UsageRow(D1, "f1", 3));
    }

    @Test
    void aRetryThatSaysSomethingElseStillCountsOnTheFirstCounter() {
        DynamoUsageStore usage = stores.usage();
        usage.claim(A, "step-1", new DynamoUsageStore.Target(D1, "f1", 3));

        assertThat(usage.charge(A, D2, "f2", 99, "step-1")).isTrue();
        assertThat(usage.charge(A, D1, "f1", 3, "step-1")).isFalse();
        assertThat(usage.usage(A, D1, D2)).containsExactly(new UsageRow(D1, "f1", 3));
    }

    @Test
    void aChargeRetriedAfterACrashAfterBothWritesIsNotDoubled() {
        DynamoUsageStore usage = stores.usage();
        DynamoUsageStore.Target target = usage.claim(A, "step-1", new DynamoUsageStore.Target(D1, "f1", 3));
        assertThat(usage.count(A, "step-1", target)).isTrue();
        // died before answering: the message comes again

        assertThat(usage.charge(A, D1, "f1", 3, "step-1")).isFalse();
        assertThat(usage.count(A, "step-1", target)).isFalse();
        assertThat(usage.usage(A, D1, D1)).containsExactly(new UsageRow(D1, "f1", 3));
    }

    @Test
    void countersOfManyChargesAreShardedAndSummed() {
        DynamoUsageStore usage = stores.usage();
        for (int i = 0; i < 100; i++) {
            usage.charge(A, D1, "f1", 2, "c" + i);
        }

        assertThat(usage.usage(A, D1, D1)).containsExactly(new UsageRow(D1, "f1", 200));
        long counters = partition(stores.usageTable(), A).stream()
                .filter(i -> i.get("sk").s().startsWith("DAY#")).count();
        assertThat(counters).isGreaterThan(1).isLessThanOrEqualTo(DynamoUsageStore.SHARDS);
    }

    @Test
    void finishedRequestsGetATtlAndOpenOnesDoNot() {
        DynamoRequestStore requests = stores.requests();
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        for (String id : List.of("r-done", "r-error", "r-open")) {
            requests.create(new AsyncRequest(id, A, "flows", RequestStatus.CREATED, JSON.createObjectNode(), null,
                    null, t0, t0));
        }
        requests.transition(A, "r-done", RequestStatus.CREATED, RequestStatus.PROCESSING, null, null);
        assertThat(raw("r-done")).doesNotContainKey("expires_at");
        Instant before = Instant.now();
        requests.transition(A, "r-done", RequestStatus.PROCESSING, RequestStatus.DONE, JSON.createObjectNode(), null);
        requests.transition(A, "r-error", RequestStatus.CREATED, RequestStatus.ERROR, null, "bad");
        Instant after = Instant.now();

        for (String id : List.of("r-done", "r-error")) {
            long expires = Long.parseLong(raw(id).get("expires_at").n());
            assertThat(expires).isBetween(before.plus(DynamoStores.REQUEST_RETENTION).getEpochSecond(),
                    after.plus(DynamoStores.REQUEST_RETENTION).getEpochSecond());
        }
        assertThat(raw("r-open")).doesNotContainKey("expires_at");
    }

    @Test
    void chargeItemsExpireAfterTheChargeRetention() {
        Instant before = Instant.now();
        stores.usage().charge(A, D1, "f1", 1, "step-1");

        Map<String, AttributeValue> charge = DynamoTables.client().getItem(b -> b.tableName(stores.usageTable())
                .key(Map.of("pk", AttributeValue.fromS(A), "sk", AttributeValue.fromS("CHARGE#step-1")))).item();
        assertThat(Long.parseLong(charge.get("expires_at").n()))
                .isGreaterThanOrEqualTo(before.plus(Duration.ofDays(30)).getEpochSecond());
    }

    @Test
    void aPayloadOrResponseTooLargeForAnItemIsABlobTheItemNames() {
        MemoryBlobStore blobs = new MemoryBlobStore();
        DynamoRequestStore requests = stores.requests(blobs);
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        ObjectNode small = JSON.createObjectNode().put("flow", "f");
        ObjectNode large = JSON.createObjectNode().put("flow", "f").put("notes", "n".repeat(DynamoRequestStore.INLINE_LIMIT));
        requests.create(new AsyncRequest("r-small", A, "flows", RequestStatus.CREATED, small, null, null, t0, t0));
        requests.create(new AsyncRequest("r-large", A, "flows", RequestStatus.CREATED, large, null, null, t0, t0));
        requests.transition(A, "r-large", RequestStatus.CREATED, RequestStatus.DONE, large, null);

        assertThat(raw("r-small")).containsKey("payload").doesNotContainKey("payload_blob");
        Map<String, AttributeValue> item = raw("r-large");
        assertThat(item).doesNotContainKeys("payload", "response").containsKeys("payload_blob", "response_blob");
        // the same JSON: one blob, under the request's account
        assertThat(item.get("payload_blob").s()).startsWith(A + "/" + DynamoRequestStore.BLOB_KIND + "/")
                .isEqualTo(item.get("response_blob").s());
        assertThat(requests.get(A, "r-large").orElseThrow().response()).isEqualTo(large);

        // a store without blobs says why, rather than passing on DynamoDB's item size error
        assertThatThrownBy(() -> stores.requests().create(new AsyncRequest("r-2", A, "flows", RequestStatus.CREATED,
                large, null, null, t0, t0))).isInstanceOf(StoreException.class).hasMessageContaining("more than an item holds");
        assertThat(stores.requests().get(A, "r-2")).isEmpty();
        // a blob gone (say, expired before the item) is a clear failure, not a request without results
        blobs.delete(item.get("response_blob").s());
        assertThatThrownBy(() -> requests.get(A, "r-large")).isInstanceOf(StoreException.class).hasMessageContaining("gone from storage");
    }

    private Map<String, AttributeValue> raw(String id) {
        return DynamoTables.client().getItem(b -> b.tableName(stores.requestsTable())
                .key(Map.of("pk", AttributeValue.fromS(A), "sk", AttributeValue.fromS(id))).consistentRead(true)).item();
    }

    @Test
    void sdkFaultsBecomeStoreExceptionsWithTheirCause() {
        DynamoStores missing = DynamoStores.of(DynamoTables.client(), "no-such-tables-");

        assertThatThrownBy(() -> missing.flows().get(A, "f1")).isInstanceOf(StoreException.class)
                .isNotInstanceOf(ConflictException.class).hasCauseInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> missing.usage().charge(A, D1, "f", 1, "c")).isInstanceOf(StoreException.class)
                .hasCauseInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> missing.requests().list(A, null, null, 0, 10)).isInstanceOf(StoreException.class)
                .hasCauseInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> missing.accounts().accountOfToken("x")).isInstanceOf(StoreException.class)
                .hasCauseInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> missing.tasks().list(A, null, 0, 10)).isInstanceOf(StoreException.class)
                .hasCauseInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void accountsWithoutOptionalFieldsRoundTrip() {
        Account bare = new Account("a", null, null, null);

        stores.accounts().create(bare);

        assertThat(stores.accounts().get("a")).contains(bare);
    }

    @Test
    void createTablesTwiceKeepsTheData() {
        stores.flows().create(A, "f1", definition("v1"), true, null);

        stores.createTables();

        assertThat(stores.flows().get(A, "f1")).isPresent();
    }
}
