package io.visionflow.async;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowParser;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What any worker needs to continue a run, stored once before its first message: whoever handles
 * a message builds the run's context from this, so a run does not live in the process that
 * started it.
 *
 * @param request     the async request the run answers, null when the starting process waits for it
 * @param flow        the id of the flow run, null when it is not stored (a definition run directly)
 * @param flows       the definitions of {@code flow} and of every flow it nests, as pinned at the start
 * @param records     how many records the run has
 * @param storeImages the URL prefix of stored service images when the request stores them, else null
 */
public record RunSpec(String account, String request, String flow, Map<String, JsonNode> flows, int records,
                      String storeImages) {
    private static final ObjectMapper JSON = Mappers.create();

    public RunSpec {
        flows = flows == null ? Map.of() : Map.copyOf(flows);
    }

    /** A run whose starting process keeps its context and waits for it. */
    public static RunSpec waited(String account, int records) {
        return new RunSpec(account, null, null, Map.of(), records, null);
    }

    /** The definition of a pinned flow. */
    public Optional<FlowDefinition> definition(String id) {
        JsonNode def = flows.get(id);
        return def == null ? Optional.empty() : Optional.of(FlowParser.parse(def).definition());
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("account", account).put("request", request).put("flow", flow).put("records", records)
                .put("store_images", storeImages);
        ObjectNode f = o.putObject("flows");
        flows.forEach(f::set);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RunSpec fromJson(byte[] bytes) {
        try {
            JsonNode o = JSON.readTree(bytes);
            Map<String, JsonNode> flows = new LinkedHashMap<>();
            o.path("flows").properties().forEach(e -> flows.put(e.getKey(), e.getValue()));
            return new RunSpec(o.path("account").asText(), text(o, "request"), text(o, "flow"), flows,
                    o.path("records").asInt(), text(o, "store_images"));
        } catch (IOException e) {
            throw new IllegalStateException("a stored run spec does not parse: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
