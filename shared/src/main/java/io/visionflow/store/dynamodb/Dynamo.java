package io.visionflow.store.dynamodb;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.StoreException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Attribute conversions and the SDK-exception boundary shared by the DynamoDB adapters. */
final class Dynamo {
    static final ObjectMapper JSON = Mappers.create();

    private Dynamo() {
    }

    /**
     * Runs one SDK call; any SDK fault becomes a {@link StoreException} keeping its cause. Callers catch
     * {@code ConditionalCheckFailedException} inside {@code call} themselves, where it means something.
     */
    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue bool(boolean value) {
        return AttributeValue.fromBool(value);
    }

    static AttributeValue instant(Instant at) {
        return AttributeValue.fromS(at.toString());
    }

    static AttributeValue json(ObjectNode node) {
        return AttributeValue.fromS(new String(bytes(node), java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot serialise JSON: " + e.getMessage(), e);
        }
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? null : v.s();
    }

    static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    static boolean flag(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }

    static Instant time(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Instant.parse(v);
    }

    static ObjectNode node(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : node(name, v);
    }

    /** The JSON object {@code v}, which the attribute or blob {@code name} held. */
    static ObjectNode node(String name, String v) {
        try {
            return (ObjectNode) JSON.readTree(v);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new StoreException("attribute " + name + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /** Every item of a query, following LastEvaluatedKey (DynamoDB pages at 1 MB). */
    static List<Map<String, AttributeValue>> queryAll(DynamoDbClient client, QueryRequest query) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest page = start == null ? query : query.toBuilder().exclusiveStartKey(start).build();
            QueryResponse r = call("query " + query.tableName(), () -> client.query(page));
            items.addAll(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    static void checkPage(int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative (got " + offset + ", " + limit + ")");
        }
    }

    static <T> List<T> slice(List<T> all, int offset, int limit) {
        int from = Math.min(offset, all.size());
        int to = (int) Math.min((long) from + limit, all.size());
        return all.subList(from, to);
    }
}
