package io.visionflow.store.dynamodb;

import io.visionflow.store.UsageRow;
import io.visionflow.store.UsageStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.visionflow.store.dynamodb.Dynamo.call;
import static io.visionflow.store.dynamodb.Dynamo.n;
import static io.visionflow.store.dynamodb.Dynamo.s;
import static io.visionflow.store.dynamodb.Dynamo.str;

/**
 * Credit counters charged exactly once per charge id, on single-item conditional writes only
 * (dynalite has no transactions, and a transaction is not needed). Two items per charge, both in
 * the account's partition (see TABLES.md):
 * <ol>
 *   <li>the <b>charge</b> item {@code CHARGE#<id>}, put with {@code attribute_not_exists}: it fixes
 *       once and for all which counter the id belongs to (day, flow, credits). A caller whose put
 *       fails reads it and carries on with <em>its</em> day, flow and credits, so a redelivery is
 *       recognised by the id alone, whatever else it says;</li>
 *   <li>the <b>counter</b> item {@code DAY#<day>#<flow>#<shard>}, updated with
 *       {@code ADD credits :n, charged :id} under {@code NOT contains(charged, :id)}: the sum and the
 *       set of counted ids change in one atomic single-item write, so an id adds its credits at most
 *       once.</li>
 * </ol>
 * A crash between the two writes leaves a charge item whose id is not in the counter's set; the
 * retry's put fails, it reads the charge item and its counter update succeeds: counted once, not
 * lost. A crash after the second write: the retry's counter update fails its condition: not
 * doubled. Racing redeliveries all reach step 2 on the same item, and exactly one passes the
 * condition; that caller alone gets {@code true}.
 *
 * <p>The id set of a counter grows for the whole day and an item holds at most 400 KB, so each
 * counter is split into {@link #SHARDS} items by a stable hash of the id (the same id always
 * lands in the same shard), and {@link #usage} adds the shards up: about 150 000 charges of
 * 40-character ids per account, day and flow. Past that the update fails loudly
 * ({@code StoreException}), it never miscounts. Charge items expire ({@code expires_at}) after
 * {@code chargeRetention}, which must exceed the longest redelivery delay (SQS keeps a message
 * 14 days at most).
 */
public final class DynamoUsageStore implements UsageStore {
    static final int SHARDS = 16;

    private final DynamoDbClient client;
    private final String table;
    private final Integer pageSize;
    private final Duration chargeRetention;

    public DynamoUsageStore(DynamoDbClient client, String table, Duration chargeRetention) {
        this(client, table, chargeRetention, null);
    }

    /** @param pageSize items per Query page (null: DynamoDB's 1 MB pages); small in tests, to cross pages */
    DynamoUsageStore(DynamoDbClient client, String table, Duration chargeRetention, Integer pageSize) {
        this.pageSize = pageSize;
        this.client = client;
        this.table = table;
        this.chargeRetention = chargeRetention;
    }

    record Target(LocalDate day, String flow, long credits) {
    }

    @Override
    public boolean charge(String account, LocalDate day, String flow, long credits, String chargeId) {
        Target target = claim(account, chargeId, new Target(day, flow, credits));
        if (target == null) {
            return false;
        }
        return count(account, chargeId, target);
    }

    /** Step 1: the target the id was first charged to (this call's, when it is the first). */
    Target claim(String account, String chargeId, Target mine) {
        Map<String, AttributeValue> item = Map.of(
                "pk", s(account), "sk", s("CHARGE#" + chargeId),
                "day", s(mine.day().toString()), "flow", s(mine.flow()), "credits", n(mine.credits()),
                "expires_at", n(Instant.now().plus(chargeRetention).getEpochSecond()));
        boolean first = call("record charge", () -> {
            try {
                client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
        if (first) {
            return mine;
        }
        Map<String, AttributeValue> earlier = call("read charge", () -> client.getItem(b -> b.tableName(table)
                .key(Map.of("pk", s(account), "sk", s("CHARGE#" + chargeId))).consistentRead(true))).item();
        if (earlier == null || earlier.isEmpty()) {
            return null; // expired after its retention: far too late to count
        }
        return new Target(LocalDate.parse(str(earlier, "day")), str(earlier, "flow"), Dynamo.num(earlier, "credits"));
    }

    /** Step 2: adds the credits and the id in one conditional update; false when the id was counted. */
    boolean count(String account, String chargeId, Target target) {
        int shard = Math.floorMod(chargeId.hashCode(), SHARDS); // String.hashCode is specified, so stable
        String sk = "DAY#" + target.day() + "#" + target.flow() + "#" + String.format("%02d", shard);
        return call("count charge", () -> {
            try {
                client.updateItem(b -> b.tableName(table).key(Map.of("pk", s(account), "sk", s(sk)))
                        .updateExpression("ADD credits :n, charged :ids SET #day = :d, flow = :f")
                        .conditionExpression("NOT contains(charged, :id)")
                        .expressionAttributeNames(Map.of("#day", "day"))
                        .expressionAttributeValues(Map.of(":n", n(target.credits()), ":ids", AttributeValue.fromSs(List.of(chargeId)),
                                ":id", s(chargeId), ":d", s(target.day().toString()), ":f", s(target.flow()))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public List<UsageRow> usage(String account, LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            return List.of();
        }
        // '$' sorts right after '#', so the upper bound covers every counter of day `to`
        List<Map<String, AttributeValue>> items = Dynamo.queryAll(client, QueryRequest.builder().tableName(table).limit(pageSize)
                .keyConditionExpression("pk = :a AND sk BETWEEN :lo AND :hi")
                .expressionAttributeNames(Map.of("#day", "day"))
                .expressionAttributeValues(Map.of(":a", s(account), ":lo", s("DAY#" + from + "#"), ":hi", s("DAY#" + to + "$")))
                .projectionExpression("#day, flow, credits").consistentRead(true).build());
        TreeMap<LocalDate, TreeMap<String, Long>> sums = new TreeMap<>();
        for (Map<String, AttributeValue> i : items) {
            sums.computeIfAbsent(LocalDate.parse(str(i, "day")), d -> new TreeMap<>())
                    .merge(str(i, "flow"), Dynamo.num(i, "credits"), Long::sum);
        }
        List<UsageRow> rows = new ArrayList<>();
        sums.forEach((d, flows) -> flows.forEach((f, c) -> rows.add(new UsageRow(d, f, c))));
        return rows;
    }
}
