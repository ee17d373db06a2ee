package io.visionflow.store.dynamodb;

import io.visionflow.async.AsyncState;
import io.visionflow.store.StoreException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The state of async runs in one table ({@code pk} run id, {@code sk} item), every write first-wins
 * or a set addition, so that redelivered messages change nothing:
 * <ul>
 *   <li>{@code step#<key>}: the step's message and outcome, put only if absent;</li>
 *   <li>{@code join#<key>}: the string set {@code done} of finished children, {@code ADD}ed to;</li>
 *   <li>{@code end#<record>}: the record's answer, put only if absent;</li>
 *   <li>{@code run}: the number set {@code ended} of ended records, {@code ADD}ed to;</li>
 *   <li>{@code spec}: what any worker needs to continue the run, put only if absent;</li>
 *   <li>{@code rec#<record>}: the record's echo, put only if absent.</li>
 * </ul>
 * Every item carries {@code expires_at} ({@value #RETENTION_DAYS} days), for the table's TTL.
 */
public final class DynamoAsyncState implements AsyncState {
    static final int RETENTION_DAYS = 7;

    private final DynamoDbClient client;
    private final String table;
    private final Clock clock;

    public DynamoAsyncState(DynamoDbClient client, String table, Clock clock) {
        this.client = client;
        this.table = table;
        this.clock = clock;
    }

    private Map<String, AttributeValue> key(String run, String sk) {
        return Map.of("pk", Dynamo.s(run), "sk", Dynamo.s(sk));
    }

    private AttributeValue expires() {
        return Dynamo.n(clock.instant().plus(Duration.ofDays(RETENTION_DAYS)).getEpochSecond());
    }

    @Override
    public void putRun(String run, byte[] spec) {
        putFirst(run, "spec", Map.of("data", spec), "store the spec of run " + run);
    }

    @Override
    public Optional<byte[]> run(String run) {
        return read(run, "spec", "data", "read the spec of run " + run);
    }

    @Override
    public byte[] putRecord(String run, int record, byte[] echo) {
        return putFirst(run, "rec#" + record, Map.of("data", echo), "store record " + record + " of run " + run)
                ? echo
                : record(run, record).orElseThrow(() -> new StoreException("record " + record + " of run " + run + " vanished"));
    }

    @Override
    public Optional<byte[]> record(String run, int record) {
        return read(run, "rec#" + record, "data", "read record " + record + " of run " + run);
    }

    /** Puts an item of binary attributes unless it exists; false when it did. */
    private boolean putFirst(String run, String sk, Map<String, byte[]> attributes, String what) {
        Map<String, AttributeValue> item = new HashMap<>(key(run, sk));
        attributes.forEach((name, value) -> item.put(name, AttributeValue.fromB(SdkBytes.fromByteArray(value))));
        item.put("expires_at", expires());
        try {
            Dynamo.call(what, () -> client.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)")));
            return true;
        } catch (StoreException e) {
            if (e.getCause() instanceof ConditionalCheckFailedException) {
                return false;
            }
            throw e;
        }
    }

    private Optional<byte[]> read(String run, String sk, String attribute, String what) {
        var item = Dynamo.call(what, () -> client.getItem(b -> b.tableName(table).key(key(run, sk))
                .consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item.get(attribute).b().asByteArray());
    }

    @Override
    public Step putStep(String run, String key, byte[] message, byte[] outcome) {
        if (putFirst(run, "step#" + key, Map.of("message", message, "outcome", outcome), "store step " + key + " of run " + run)) {
            return new Step(message, outcome);
        }
        return step(run, key).orElseThrow(() -> new StoreException("step " + key + " of run " + run + " vanished"));
    }

    @Override
    public Optional<Step> step(String run, String key) {
        var item = Dynamo.call("read step " + key + " of run " + run, () -> client.getItem(b -> b.tableName(table)
                .key(key(run, "step#" + key)).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(step(item));
    }

    private static Step step(Map<String, AttributeValue> item) {
        return new Step(item.get("message").b().asByteArray(), item.get("outcome").b().asByteArray());
    }

    @Override
    public Map<String, Step> steps(String run, int record) {
        Map<String, Step> out = new TreeMap<>();
        String root = "step#" + record;
        Map<String, AttributeValue> values = Map.of(":run", Dynamo.s(run), ":root", Dynamo.s(root));
        Dynamo.queryAll(client, QueryRequest.builder().tableName(table)
                        .keyConditionExpression("pk = :run AND begins_with(sk, :root)")
                        .expressionAttributeValues(values).consistentRead(true).build())
                .forEach(item -> {
                    String key = item.get("sk").s().substring("step#".length());
                    // begins_with("step#1") also matches record 10's steps
                    if (key.equals(String.valueOf(record)) || key.startsWith(record + ".")) {
                        out.put(key, step(item));
                    }
                });
        return out;
    }

    @Override
    public int childDone(String run, String parent, String child) {
        var updated = Dynamo.call("count child " + child + " of run " + run, () -> client.updateItem(b -> b.tableName(table)
                .key(key(run, "join#" + parent))
                .updateExpression("ADD done :child SET expires_at = :expires")
                .expressionAttributeValues(Map.of(":child", AttributeValue.fromSs(List.of(child)),
                        ":expires", expires()))
                .returnValues(ReturnValue.UPDATED_NEW)));
        return updated.attributes().get("done").ss().size();
    }

    @Override
    public int endRecord(String run, int record, RecordEnd end) {
        if (end != null) {
            putFirst(run, "end#" + record, Map.of("result", end.result()), "end record " + record + " of run " + run);
        }
        var updated = Dynamo.call("count the end of record " + record + " of run " + run, () -> client.updateItem(b -> b
                .tableName(table).key(key(run, "run"))
                .updateExpression("ADD ended :record SET expires_at = :expires")
                .expressionAttributeValues(Map.of(":record", AttributeValue.fromNs(List.of(Integer.toString(record))),
                        ":expires", expires()))
                .returnValues(ReturnValue.UPDATED_NEW)));
        return updated.attributes().get("ended").ns().size();
    }

    /** One query for all of them instead of a read per record. */
    @Override
    public Optional<List<RecordEnd>> recordEnds(String run, int records) {
        Map<Integer, RecordEnd> found = new TreeMap<>();
        Map<String, AttributeValue> values = Map.of(":run", Dynamo.s(run), ":end", Dynamo.s("end#"));
        Dynamo.queryAll(client, QueryRequest.builder().tableName(table)
                        .keyConditionExpression("pk = :run AND begins_with(sk, :end)")
                        .expressionAttributeValues(values).consistentRead(true).build())
                .forEach(item -> found.put(Integer.parseInt(item.get("sk").s().substring("end#".length())),
                        new RecordEnd(item.get("result").b().asByteArray())));
        if (!IntStream.range(0, records).allMatch(found::containsKey)) {
            return Optional.empty();
        }
        return Optional.of(IntStream.range(0, records).mapToObj(found::get).toList());
    }

    @Override
    public Optional<RecordEnd> recordEnd(String run, int record) {
        return read(run, "end#" + record, "result", "read the end of record " + record + " of run " + run).map(RecordEnd::new);
    }
}
