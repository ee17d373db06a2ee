package io.visionflow.flow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** Writes a definition back as flow JSON; every node has its {@code type} and {@code id}. */
public final class FlowJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private FlowJson() {
    }

    public static ObjectNode write(FlowDefinition def) {
        ObjectNode o = F.objectNode();
        o.put("name", def.name());
        o.put("description", def.description());
        if (def.imageSize() != null) {
            o.put("image_size", def.imageSize());
        }
        o.set("top_node", write(def.topNode()));
        return o;
    }

    public static ObjectNode write(Action action) {
        ObjectNode o = F.objectNode();
        o.put("type", action.type());
        o.put("id", action.id());
        switch (action) {
            case ListAction a -> {
                o.put("mode", a.mode().name().toLowerCase());
                ArrayNode arr = o.putArray("actions");
                a.actions().forEach(c -> arr.add(write(c)));
            }
            case Recognition a -> {
                o.put("task", a.task());
                o.put("output_field", a.outputField());
                if (a.topK() != null) {
                    o.put("top_k", a.topK());
                }
            }
            case Detection a -> {
                o.put("task", a.task());
                o.put("output_field", a.outputField());
                o.put("keep_prob", a.keepProb());
            }
            case BranchSelector a -> {
                o.put("task", a.task());
                o.put("field", a.field());
                o.put("mode", a.mode().name().toLowerCase());
                if (a.mode() == BranchSelector.Mode.THRESHOLD) {
                    o.put("threshold", a.threshold());
                }
                o.set("branches", branches(a.branches()));
                if (a.defaultAction() != null) {
                    o.set("default", write(a.defaultAction()));
                }
            }
            case ObjectSelector a -> {
                o.put("task", a.task());
                o.put("output_field", a.outputField());
                o.put("min_prob", a.minProb());
                o.put("min_area", a.minArea());
                if (!a.labels().isEmpty()) {
                    ArrayNode labels = o.putArray("labels");
                    a.labels().forEach(labels::add);
                }
                o.put("padding", a.padding());
                if (a.action() != null) {
                    o.set("action", write(a.action()));
                }
                if (!a.branches().isEmpty()) {
                    o.set("branches", branches(a.branches()));
                }
            }
            case NestedFlow a -> o.put("flow", a.flow());
            case ServiceCall a -> {
                o.put("service", a.service());
                o.put("output_field", a.outputField());
                if (a.params() != null) {
                    o.set("params", a.params());
                }
            }
        }
        policy(o, action.policy());
        return o;
    }

    /** {@code retry} and {@code timeout_ms}, only when given: a flow without them is written as before. */
    private static void policy(ObjectNode o, CallPolicy policy) {
        if (policy.retry() != null) {
            CallPolicy.Retry r = policy.retry();
            ObjectNode retry = o.putObject("retry");
            retry.put("max_attempts", r.maxAttempts());
            retry.put("backoff", r.backoffMs());
            retry.put("max_delay", r.maxDelayMs());
            ArrayNode on = retry.putArray("on");
            for (CallPolicy.On value : CallPolicy.On.values()) {
                if (r.on().contains(value)) {
                    on.add(value.wire());
                }
            }
        }
        if (policy.timeoutMs() != null) {
            o.put("timeout_ms", policy.timeoutMs());
        }
    }

    /** Ids of the flows a flow JSON nests (its {@code "type": "flow"} nodes), in document order. */
    public static List<String> nestedFlows(com.fasterxml.jackson.databind.JsonNode definition) {
        List<String> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode parent : definition.findParents("type")) {
            if ("flow".equals(parent.path("type").asText()) && parent.path("flow").isTextual()) {
                out.add(parent.get("flow").asText());
            }
        }
        return out;
    }

    private static ArrayNode branches(List<Branch> branches) {
        ArrayNode arr = F.arrayNode();
        for (Branch b : branches) {
            ObjectNode bo = arr.addObject();
            bo.put("label", b.label());
            bo.set("action", write(b.action()));
        }
        return arr;
    }
}
