package io.visionflow.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns flow JSON into a {@link FlowDefinition}, collecting every structural problem with its JSON
 * path instead of stopping at the first. Never throws on any JSON input. Nodes without an {@code id}
 * get a generated one that does not collide with the given ones.
 */
public final class FlowParser {
    /** Deeper trees are refused while parsing, before any recursion can exhaust the stack. */
    public static final int MAX_PARSE_DEPTH = 64;

    private static final Set<String> FLOW_FIELDS = Set.of("name", "description", "image_size", "top_node",
            // read-only fields of the flow entity: clients send back what they got
            "id", "workspace", "valid", "version", "created", "updated", "invalid_reason");

    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> givenIds = new HashSet<>();
    private int generated;

    private FlowParser() {
    }

    /**
     * The parsed definition and every problem found. With problems, the definition is partial (null
     * where the input was too broken, possibly null as a whole) and only fit for further validation.
     */
    public record Result(FlowDefinition definition, List<Problem> problems) {
        public boolean ok() {
            return definition != null && problems.isEmpty();
        }
    }

    public static Result parse(JsonNode json) {
        FlowParser p = new FlowParser();
        FlowDefinition def = p.flow(json);
        return new Result(def, List.copyOf(p.problems));
    }

    /** Parses one action tree (for example the top node alone), with paths relative to {@code path}. */
    public static Result parseAction(JsonNode json, String path) {
        FlowParser p = new FlowParser();
        p.collectIds(json, 0);
        Action a = p.action(json, path, 0);
        return new Result(a == null ? null : new FlowDefinition(null, null, null, a), List.copyOf(p.problems));
    }

    private FlowDefinition flow(JsonNode json) {
        if (json == null || !json.isObject()) {
            problem("", "a flow must be a JSON object, found " + kind(json));
            return null;
        }
        unknownFields(json, "", FLOW_FIELDS);
        String name = optionalString(json, "name", "");
        if (name == null || name.isBlank()) {
            problem("name", "is required");
        }
        String description = optionalString(json, "description", "");
        Integer imageSize = null;
        JsonNode size = json.get("image_size");
        if (size != null && !size.isNull()) {
            if (!size.canConvertToExactIntegral() || !size.canConvertToInt()) {
                problem("image_size", "must be an integer number of pixels, found " + kind(size));
            } else if (size.asInt() == 0) {
                // 0 means the original size, as no key does (DESIGN section 1)
                imageSize = null;
            } else if (size.asInt() < 16 || size.asInt() > 8192) {
                problem("image_size", "must be 0 (the original size) or between 16 and 8192 pixels, found " + size.asInt());
            } else {
                imageSize = size.asInt();
            }
        }
        JsonNode top = json.get("top_node");
        if (top == null || top.isNull()) {
            problem("top_node", "is required");
            return null;
        }
        collectIds(top, 0);
        Action action = action(top, "top_node", 0);
        return action == null ? null : new FlowDefinition(name, description == null ? "" : description, imageSize, action);
    }

    private void collectIds(JsonNode node, int depth) {
        if (node == null || depth > MAX_PARSE_DEPTH) {
            return;
        }
        if (node.isObject()) {
            JsonNode id = node.get("id");
            if (id != null && id.isTextual() && node.has("type")) {
                givenIds.add(id.asText());
            }
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                collectIds(child, depth + 1);
            }
        }
    }

    private Action action(JsonNode json, String path, int depth) {
        if (depth > MAX_PARSE_DEPTH) {
            problem(path, "actions are nested deeper than " + MAX_PARSE_DEPTH + " levels");
            return null;
        }
        if (json == null || !json.isObject()) {
            problem(path, "an action must be a JSON object, found " + kind(json));
            return null;
        }
        JsonNode typeNode = json.get("type");
        if (typeNode == null || typeNode.isNull()) {
            problem(path + ".type", "is required (one of " + String.join(", ", ActionTypes.NAMES) + ")");
            return null;
        }
        if (!typeNode.isTextual() || !ActionTypes.NAMES.contains(typeNode.asText())) {
            problem(path + ".type", "unknown action type " + typeNode + " (expected one of "
                    + String.join(", ", ActionTypes.NAMES) + ")");
            return null;
        }
        String type = typeNode.asText();
        unknownFields(json, path, ActionTypes.fields(type));
        String id = id(json, path, type);
        CallPolicy policy = policy(json, path);
        return switch (type) {
            case "list" -> list(json, path, id, depth, policy);
            case "recognition" -> new Recognition(id, requiredString(json, path, "task"),
                    requiredString(json, path, "output_field"), optionalTopK(json, path), policy);
            case "detection" -> new Detection(id, requiredString(json, path, "task"),
                    outputField(json, path, Detection.DEFAULT_OUTPUT_FIELD),
                    probability(json, path, "keep_prob", Detection.DEFAULT_KEEP_PROB), policy);
            case "branch_selector" -> branchSelector(json, path, id, depth, policy);
            case "object_selector" -> objectSelector(json, path, id, depth, policy);
            case "flow" -> new NestedFlow(id, requiredString(json, path, "flow"), policy);
            case "service" -> service(json, path, id, policy);
            default -> throw new IllegalStateException("type list out of sync: " + type);
        };
    }

    private ListAction list(JsonNode json, String path, String id, int depth, CallPolicy policy) {
        ListAction.Mode mode = mode(json, path, ListAction.Mode.class, ListAction.Mode.PARALLEL);
        List<Action> actions = actions(json.get("actions"), path + ".actions", depth, true);
        return new ListAction(id, mode, actions, policy);
    }

    private static final int MAX_ATTEMPTS = 10;
    private static final int MAX_BACKOFF_MS = 60_000;
    private static final int MAX_DELAY_MS = 300_000;
    /** Longest {@code timeout_ms}: ten minutes, beyond any request's deadline. */
    private static final int MAX_TIMEOUT_MS = 600_000;
    private static final Set<String> RETRY_FIELDS = Set.of("max_attempts", "backoff", "max_delay", "on");

    /** The {@code retry} and {@code timeout_ms} of an action; {@link CallPolicy#NONE} when it has neither. */
    private CallPolicy policy(JsonNode json, String path) {
        Integer timeout = null;
        JsonNode t = json.get("timeout_ms");
        if (t != null && !t.isNull()) {
            timeout = wholeNumber(t, path + ".timeout_ms", 1, MAX_TIMEOUT_MS, "milliseconds", null);
        }
        CallPolicy.Retry retry = null;
        JsonNode r = json.get("retry");
        if (r != null && !r.isNull()) {
            retry = retry(r, path + ".retry");
        }
        return retry == null && timeout == null ? CallPolicy.NONE : new CallPolicy(retry, timeout);
    }

    private CallPolicy.Retry retry(JsonNode r, String path) {
        if (!r.isObject()) {
            problem(path, "must be an object {max_attempts, backoff, max_delay, on}, found " + kind(r));
            return null;
        }
        unknownFields(r, path, RETRY_FIELDS);
        int attempts = wholeNumber(r.get("max_attempts"), path + ".max_attempts", 1, MAX_ATTEMPTS, "attempts",
                CallPolicy.Retry.DEFAULT_MAX_ATTEMPTS);
        int backoff = wholeNumber(r.get("backoff"), path + ".backoff", 0, MAX_BACKOFF_MS, "milliseconds",
                CallPolicy.Retry.DEFAULT_BACKOFF_MS);
        int maxDelay = wholeNumber(r.get("max_delay"), path + ".max_delay", 0, MAX_DELAY_MS, "milliseconds",
                Math.max(backoff, CallPolicy.Retry.DEFAULT_MAX_DELAY_MS));
        if (maxDelay < backoff) {
            problem(path + ".max_delay", "must be at least backoff (" + backoff + " ms), found " + maxDelay);
        }
        Set<CallPolicy.On> on = java.util.EnumSet.allOf(CallPolicy.On.class);
        JsonNode o = r.get("on");
        if (o != null && !o.isNull()) {
            on = java.util.EnumSet.noneOf(CallPolicy.On.class);
            String expected = "\"timeout\" or \"server_error\"";
            if (!o.isArray() || o.isEmpty()) {
                problem(path + ".on", "must be a non-empty list of " + expected + ", found " + kind(o));
            } else {
                for (int i = 0; i < o.size(); i++) {
                    CallPolicy.On value = null;
                    for (CallPolicy.On candidate : CallPolicy.On.values()) {
                        if (o.get(i).isTextual() && o.get(i).asText().equals(candidate.wire())) {
                            value = candidate;
                        }
                    }
                    if (value == null) {
                        problem(path + ".on[" + i + "]", "must be " + expected + ", found " + kind(o.get(i)));
                    } else if (!on.add(value)) {
                        problem(path + ".on[" + i + "]", "\"" + value.wire() + "\" is given twice");
                    }
                }
            }
        }
        return new CallPolicy.Retry(attempts, backoff, maxDelay, on);
    }

    /** An optional whole number in {@code [min, max]}; {@code fallback} when absent or wrong (a problem then). */
    private Integer wholeNumber(JsonNode v, String path, int min, int max, String unit, Integer fallback) {
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            problem(path, "must be a whole number of " + unit + " from " + min + " to " + max + ", found " + abbreviate(v));
            return fallback;
        }
        return v.asInt();
    }

    /** The {@code mode} field: one of the enum's constants, written in lower case. */
    private <E extends Enum<E>> E mode(JsonNode json, String path, Class<E> modes, E fallback) {
        JsonNode m = json.get("mode");
        if (m == null || m.isNull()) {
            return fallback;
        }
        for (E candidate : modes.getEnumConstants()) {
            if (m.isTextual() && m.asText().equals(candidate.name().toLowerCase(java.util.Locale.ROOT))) {
                return candidate;
            }
        }
        problem(path + ".mode", "must be " + String.join(" or ", java.util.Arrays.stream(modes.getEnumConstants())
                .map(c -> "\"" + c.name().toLowerCase(java.util.Locale.ROOT) + "\"").toList()) + ", found " + m);
        return fallback;
    }

    private List<Action> actions(JsonNode arr, String path, int depth, boolean required) {
        List<Action> out = new ArrayList<>();
        if (arr == null || arr.isNull()) {
            if (required) {
                problem(path, "is required (a list of actions)");
            }
            return out;
        }
        if (!arr.isArray()) {
            problem(path, "must be a list of actions, found " + kind(arr));
            return out;
        }
        for (int i = 0; i < arr.size(); i++) {
            Action a = action(arr.get(i), path + "[" + i + "]", depth + 1);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    private BranchSelector branchSelector(JsonNode json, String path, String id, int depth, CallPolicy policy) {
        String task = requiredString(json, path, "task");
        String field = requiredString(json, path, "field");
        BranchSelector.Mode mode = mode(json, path, BranchSelector.Mode.class, BranchSelector.Mode.BEST);
        double threshold = probability(json, path, "threshold", BranchSelector.DEFAULT_THRESHOLD);
        if (mode == BranchSelector.Mode.BEST && json.hasNonNull("threshold")) {
            problem(path + ".threshold", "only applies with mode \"threshold\"");
        }
        List<Branch> branches = branches(json.get("branches"), path + ".branches", depth);
        Action def = null;
        if (json.hasNonNull("default")) {
            def = action(json.get("default"), path + ".default", depth + 1);
        }
        if (branches.isEmpty() && def == null && !json.hasNonNull("branches") && !json.hasNonNull("default")) {
            problem(path + ".branches", "is required (a list of {label, action})");
        }
        return new BranchSelector(id, task, field, mode, threshold, branches, def, policy);
    }

    private ObjectSelector objectSelector(JsonNode json, String path, String id, int depth, CallPolicy policy) {
        String task = requiredString(json, path, "task");
        String out = outputField(json, path, Detection.DEFAULT_OUTPUT_FIELD);
        double minProb = probability(json, path, "min_prob", ObjectSelector.DEFAULT_MIN_PROB);
        double minArea = probability(json, path, "min_area", 0.0);
        List<String> labels = new ArrayList<>();
        JsonNode l = json.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isArray()) {
                problem(path + ".labels", "must be a list of label names, found " + kind(l));
            } else {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i).isTextual()) {
                        labels.add(l.get(i).asText());
                    } else {
                        problem(path + ".labels[" + i + "]", "must be a label name (string), found " + kind(l.get(i)));
                    }
                }
            }
        }
        int padding = 0;
        JsonNode p = json.get("padding");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToExactIntegral() || !p.canConvertToInt() || p.asInt() < 0 || p.asInt() > 4096) {
                problem(path + ".padding", "must be a whole number of pixels between 0 and 4096, found " + p);
            } else {
                padding = p.asInt();
            }
        }
        Action action = null;
        if (json.hasNonNull("action")) {
            action = action(json.get("action"), path + ".action", depth + 1);
        }
        List<Branch> branches = branches(json.get("branches"), path + ".branches", depth);
        return new ObjectSelector(id, task, out, minProb, minArea, labels, padding, action, branches, policy);
    }

    private List<Branch> branches(JsonNode arr, String path, int depth) {
        List<Branch> out = new ArrayList<>();
        if (arr == null || arr.isNull()) {
            return out;
        }
        if (!arr.isArray()) {
            problem(path, "must be a list of {label, action}, found " + kind(arr));
            return out;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < arr.size(); i++) {
            String bp = path + "[" + i + "]";
            JsonNode b = arr.get(i);
            if (!b.isObject()) {
                problem(bp, "a branch must be an object {label, action}, found " + kind(b));
                continue;
            }
            unknownFields(b, bp, Set.of("label", "action"));
            String label = requiredString(b, bp, "label");
            if (label != null && !seen.add(label)) {
                problem(bp + ".label", "\"" + label + "\" has more than one branch");
            }
            JsonNode a = b.get("action");
            Action action = null;
            if (a == null || a.isNull()) {
                problem(bp + ".action", "is required");
            } else {
                action = action(a, bp + ".action", depth + 1);
            }
            if (label != null) {
                out.add(new Branch(label, action)); // a null action only survives in a partial tree
            }
        }
        return out;
    }

    private ServiceCall service(JsonNode json, String path, String id, CallPolicy policy) {
        String service = requiredString(json, path, "service");
        String out = outputField(json, path, service == null ? "_service" : service);
        ObjectNode params = null;
        JsonNode p = json.get("params");
        if (p != null && !p.isNull()) {
            if (p.isObject()) {
                params = (ObjectNode) p;
            } else {
                problem(path + ".params", "must be an object, found " + kind(p));
            }
        }
        return new ServiceCall(id, service, out, params, policy);
    }

    private String id(JsonNode json, String path, String type) {
        JsonNode id = json.get("id");
        if (id == null || id.isNull()) {
            String candidate;
            do {
                candidate = type + "-" + (++generated);
            } while (givenIds.contains(candidate));
            givenIds.add(candidate);
            return candidate;
        }
        if (!id.isTextual() || id.asText().isBlank()) {
            problem(path + ".id", "must be a non-empty string, found " + kind(id));
            return "invalid-" + (++generated);
        }
        if (id.asText().length() > 128) {
            problem(path + ".id", "is longer than 128 characters");
        }
        return id.asText();
    }

    private Integer optionalTopK(JsonNode json, String path) {
        JsonNode k = json.get("top_k");
        if (k == null || k.isNull()) {
            return null;
        }
        if (!k.canConvertToExactIntegral() || !k.canConvertToInt() || k.asInt() < 1) {
            problem(path + ".top_k", "must be a whole number of at least 1, found " + k);
            return null;
        }
        return k.asInt();
    }

    private String outputField(JsonNode json, String path, String fallback) {
        JsonNode f = json.get("output_field");
        if (f == null || f.isNull()) {
            return fallback;
        }
        return requiredString(json, path, "output_field");
    }

    private double probability(JsonNode json, String path, String field, double fallback) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || Double.isNaN(v.asDouble()) || v.asDouble() < 0 || v.asDouble() > 1) {
            problem(path + "." + field, "must be a number between 0 and 1, found " + abbreviate(v));
            return fallback;
        }
        return v.asDouble();
    }

    private String requiredString(JsonNode json, String path, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            problem(path + "." + field, "is required");
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            problem(path + "." + field, "must be a non-empty string, found " + kind(v));
            return null;
        }
        return v.asText();
    }

    private String optionalString(JsonNode json, String field, String path) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            problem(path.isEmpty() ? field : path + "." + field, "must be a string, found " + kind(v));
            return null;
        }
        return v.asText();
    }

    private void unknownFields(JsonNode json, String path, Set<String> allowed) {
        Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                problem(path.isEmpty() ? name : path + "." + name, "unknown field (expected one of "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private void problem(String path, String message) {
        problems.add(new Problem(path, message));
    }

    static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "the string " + abbreviate(node);
            case NUMBER -> "the number " + node.asText();
            case BOOLEAN -> node.asText();
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
