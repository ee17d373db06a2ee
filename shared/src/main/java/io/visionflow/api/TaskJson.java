package io.visionflow.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.store.BlobStore;
import io.visionflow.store.StoredTask;
import io.visionflow.task.Backend;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.onnx.AnchorsOutput;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.OutputSpec;
import io.visionflow.task.onnx.Preprocessing;
import io.visionflow.task.onnx.TextMapOutput;
import io.visionflow.task.onnx.YoloOutput;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Task bodies of {@code /recognition/v2/task/} and {@code /detection/v2/task/} → {@link Task}, with
 * every problem at its JSON path; and tasks → the entities the API answers. Users name models by
 * their upload id (the SHA-256 hex); stored tasks hold the blob key, which the runners' model source
 * resolves.
 */
final class TaskJson {
    static final String MODEL_KIND = "model";
    /** What answers show instead of header values: they often hold the remote server's credentials. */
    static final String HIDDEN = "***";
    static final Pattern MODEL_ID = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_NAME = 200;
    private static final int MAX_INPUT_SIDE = 4096;
    // read-only fields of the entity: accepted (and ignored) so that a PUT of a GET answer works
    private static final Set<String> TOP_FIELDS = Set.of("name", "labels", "backend", "id", "type", "version",
            "production_version", "created", "updated");
    private static final Set<String> ONNX_FIELDS = Set.of("kind", "model", "preprocessing", "output");
    private static final Set<String> HTTP_FIELDS = Set.of("kind", "url", "headers", "task");

    // strict: "3" is not a number and 3.7 is not a whole number in a model spec
    private static final JsonMapper SPECS = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final String account;
    private final TaskKind kind;
    private final Predicate<String> modelExists;
    private final int maxLabels;
    private final List<Problem> problems = new ArrayList<>();
    private Map<String, String> previousHeaders = Map.of();

    /**
     * @param modelExists whether a blob key names a model this account uploaded
     * @param maxLabels   most labels a task may have
     */
    TaskJson(String account, TaskKind kind, Predicate<String> modelExists, int maxLabels) {
        this.account = account;
        this.kind = kind;
        this.modelExists = modelExists;
        this.maxLabels = maxLabels;
    }

    List<Problem> problems() {
        return problems;
    }

    /** On an update: the headers stored so far, whose values a {@link #HIDDEN} value keeps. */
    TaskJson keepingHeaders(Backend previous) {
        previousHeaders = previous instanceof HttpBackend h ? h.headers() : Map.of();
        return this;
    }

    /** The task in {@code body}, or null with {@link #problems()} saying why; labels named as in {@code previous} keep their ids. */
    Task parse(ObjectNode body, String id, List<Label> previous) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP_FIELDS.contains(f)) {
                problem(f, "unknown field (a task has name, labels and backend)");
            }
        }
        JsonNode type = body.get("type");
        if (type != null && !type.isNull() && !kind.wire().equals(type.asText())) {
            problem("type", "this endpoint registers " + kind.wire() + " tasks, found " + type);
        }
        String name = text(body.get("name"), "name", true);
        List<Label> labels = labels(body.get("labels"), previous);
        Backend backend = backend(body.get("backend"));
        if (!problems.isEmpty()) {
            return null;
        }
        return new Task(id, name, kind, labels, backend);
    }

    private List<Label> labels(JsonNode node, List<Label> previous) {
        if (node == null || node.isNull()) {
            problem("labels", "is required: a list of label names, e.g. [\"Pants\", \"Shirt\"]");
            return List.of();
        }
        if (!node.isArray()) {
            problem("labels", "must be a list of label names or {\"name\": ...} objects, found " + Call.describe(node));
            return List.of();
        }
        if (node.isEmpty()) {
            problem("labels", "is empty; a task needs at least one label");
            return List.of();
        }
        if (node.size() > maxLabels) {
            problem("labels", "has " + node.size() + " labels, over the limit of " + maxLabels);
            return List.of();
        }
        Map<String, String> idByName = new HashMap<>();
        Set<String> previousIds = new HashSet<>();
        for (Label l : previous) {
            idByName.put(l.name(), l.id());
            previousIds.add(l.id());
        }
        List<Label> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Set<String> usedIds = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode l = node.get(i);
            String path = "labels[" + i + "]";
            String name;
            String givenId = null;
            if (l.isObject()) {
                for (Iterator<String> it = l.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!f.equals("name") && !f.equals("id")) {
                        problem(path + "." + f, "unknown field (a label has name and, once stored, id)");
                    }
                }
                name = text(l.get("name"), path + ".name", true);
                if (l.hasNonNull("id") && l.get("id").isTextual()) {
                    givenId = l.get("id").asText();
                }
            } else if (l.isTextual()) {
                name = text(l, path, true);
            } else {
                problem(path, "must be a label name or {\"name\": ...}, found " + Call.describe(l));
                continue;
            }
            if (name == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(name, i);
            if (first != null) {
                problem(path, "duplicate label \"" + name + "\" (also labels[" + first + "])");
                continue;
            }
            // a label keeps its id when renamed by id or kept by name, so results stay comparable
            String labelId = givenId != null && previousIds.contains(givenId) && !usedIds.contains(givenId) ? givenId
                    : idByName.get(name);
            if (labelId == null || usedIds.contains(labelId)) {
                labelId = UUID.randomUUID().toString();
            }
            usedIds.add(labelId);
            out.add(new Label(labelId, name));
        }
        return out;
    }

    private Backend backend(JsonNode node) {
        if (node == null || node.isNull()) {
            problem("backend", "is required: {\"kind\": \"onnx\", \"model\": <model id>, ...} or {\"kind\": \"http\", \"url\": ...}");
            return null;
        }
        if (!node.isObject()) {
            problem("backend", "must be an object, found " + Call.describe(node));
            return null;
        }
        String k = text(node.get("kind"), "backend.kind", true);
        if (k == null) {
            return null;
        }
        return switch (k) {
            case "onnx" -> onnx(node);
            case "http" -> http(node);
            default -> {
                problem("backend.kind", "unknown backend kind \"" + k + "\" (expected onnx or http)");
                yield null;
            }
        };
    }

    private OnnxBackend onnx(JsonNode node) {
        unknownFields(node, "backend", ONNX_FIELDS);
        String model = text(node.get("model"), "backend.model", true);
        String key = null;
        if (model != null) {
            String sha = model.toLowerCase(Locale.ROOT);
            key = BlobStore.key(account, MODEL_KIND, sha);
            // another account's model is as unknown as one never uploaded
            if (!MODEL_ID.matcher(sha).matches() || !modelExists.test(key)) {
                problem("backend.model", "no model \"" + model + "\" (upload it with POST /models/v2/model/ and use the id it answers)");
            }
        }
        Preprocessing pre = spec(node.get("preprocessing"), "backend.preprocessing", Preprocessing.class);
        if (pre != null) {
            checkPreprocessing(pre);
        }
        OutputSpec out = null;
        JsonNode o = node.get("output");
        if (o == null || o.isNull()) {
            if (kind == TaskKind.DETECTION) {
                problem("backend.output", "is required for a detection task: {\"decoder\": \"yolo\" | \"anchors\" | \"text_map\", ...}");
            } else {
                out = new ClassifierOutput(null, null);
            }
        } else {
            out = spec(o, "backend.output", OutputSpec.class);
            if (out != null) {
                checkOutput(out);
            }
        }
        return new OnnxBackend(key, pre, out);
    }

    private HttpBackend http(JsonNode node) {
        unknownFields(node, "backend", HTTP_FIELDS);
        String url = text(node.get("url"), "backend.url", true);
        Map<String, String> headers = new HashMap<>();
        JsonNode h = node.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                problem("backend.headers", "must be an object of header names to values, found " + Call.describe(h));
            } else {
                h.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        problem("backend.headers." + e.getKey(), "must be a string, found " + Call.describe(e.getValue()));
                    } else if (HIDDEN.equals(e.getValue().asText())) {
                        // a PUT of a GET answer sends the hidden value back: keep the stored one
                        String kept = previousHeaders.get(e.getKey());
                        if (kept == null) {
                            problem("backend.headers." + e.getKey(), "\"" + HIDDEN + "\" stands for a stored value, and this header has none");
                        } else {
                            headers.put(e.getKey(), kept);
                        }
                    } else {
                        headers.put(e.getKey(), e.getValue().asText());
                    }
                });
            }
        }
        String task = null;
        JsonNode t = node.get("task");
        if (t != null && !t.isNull()) {
            task = text(t, "backend.task", true);
        }
        return url == null ? null : new HttpBackend(url, headers, task);
    }

    private <T> T spec(JsonNode node, String path, Class<T> type) {
        if (node == null || node.isNull()) {
            node = Call.JSON.createObjectNode();
        }
        if (!node.isObject()) {
            problem(path, "must be an object, found " + Call.describe(node));
            return null;
        }
        try {
            return SPECS.treeToValue(node, type);
        } catch (JacksonException e) {
            problem(jacksonPath(path, e), jacksonMessage(e));
            return null;
        } catch (IllegalArgumentException e) {
            problem(path, stripPrefix(e.getMessage()));
            return null;
        }
    }

    private void checkPreprocessing(Preprocessing p) {
        String at = "backend.preprocessing.";
        for (var side : Map.of("width", nz(p.width()), "height", nz(p.height()), "max_side", nz(p.maxSide())).entrySet()) {
            if (side.getValue() > MAX_INPUT_SIDE) {
                problem(at + side.getKey(), "must be at most " + MAX_INPUT_SIDE + ", found " + side.getValue());
            }
        }
        if (p.multipleOf() > 1024) {
            problem(at + "multiple_of", "must be between 1 and 1024, found " + p.multipleOf());
        }
        if (!Double.isFinite(p.scale()) || p.scale() <= 0) {
            problem(at + "scale", "must be a positive number, found " + p.scale());
        }
        if (!(p.padValue() >= 0 && p.padValue() <= 255)) {
            problem(at + "pad_value", "must be a pixel value between 0 and 255, found " + p.padValue());
        }
        for (int c = 0; c < 3; c++) {
            if (!Double.isFinite(p.mean().get(c))) {
                problem(at + "mean[" + c + "]", "must be a finite number");
            }
            if (!Double.isFinite(p.std().get(c)) || p.std().get(c) <= 0) {
                problem(at + "std[" + c + "]", "must be a positive number, found " + p.std().get(c));
            }
        }
        if (p.input() != null && p.input().isBlank()) {
            problem(at + "input", "must be a tensor name or null");
        }
    }

    private void checkOutput(OutputSpec out) {
        String at = "backend.output.";
        boolean classifier = out instanceof ClassifierOutput;
        if (kind == TaskKind.CLASSIFICATION && !classifier) {
            problem(at + "decoder", "a classification task decodes with \"classifier\"");
        }
        if (kind == TaskKind.DETECTION && classifier) {
            problem(at + "decoder", "a detection task decodes with \"yolo\", \"anchors\" or \"text_map\", not \"classifier\"");
        }
        switch (out) {
            case ClassifierOutput c -> {
            }
            case YoloOutput y -> fraction(at + "nms_iou", y.nmsIou());
            case AnchorsOutput a -> {
                fraction(at + "nms_iou", a.nmsIou());
                fraction(at + "anchor_offset", a.anchorOffset());
                if (a.strides().stream().anyMatch(s -> s > MAX_INPUT_SIDE)) {
                    problem(at + "strides", "each stride must be between 1 and " + MAX_INPUT_SIDE);
                }
            }
            case TextMapOutput t -> {
                fraction(at + "threshold", t.threshold());
                fraction(at + "box_threshold", t.boxThreshold());
                if (!(t.unclipRatio() >= 0 && t.unclipRatio() <= 10)) {
                    problem(at + "unclip_ratio", "must be between 0 and 10, found " + t.unclipRatio());
                }
                if (t.minSize() < 0) {
                    problem(at + "min_size", "must not be negative, found " + t.minSize());
                }
                if (t.maxCandidates() < 1 || t.maxCandidates() > 100_000) {
                    problem(at + "max_candidates", "must be between 1 and 100000, found " + t.maxCandidates());
                }
            }
        }
    }

    private void fraction(String path, Double v) {
        if (!(v >= 0 && v <= 1)) {
            problem(path, "must be between 0 and 1, found " + v);
        }
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    private void unknownFields(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                problem(path + "." + f, "unknown field (expected one of " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private String text(JsonNode node, String path, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                problem(path, "is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            problem(path, "must be a string, found " + Call.describe(node));
            return null;
        }
        String s = node.asText().strip();
        if (s.isEmpty()) {
            problem(path, "must not be empty");
            return null;
        }
        if (s.length() > MAX_NAME && !path.equals("backend.url")) {
            problem(path, "is longer than " + MAX_NAME + " characters");
            return null;
        }
        return s;
    }

    private void problem(String path, String message) {
        problems.add(new Problem(path, message));
    }

    /** Jackson's path inside the spec, as the user's JSON path ({@code backend.preprocessing.mean[1]}). */
    static String jacksonPath(String base, JacksonException e) {
        StringBuilder p = new StringBuilder(base);
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    p.append('.').append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    p.append('[').append(r.getIndex()).append(']');
                }
            }
        }
        if (e instanceof InvalidTypeIdException) {
            p.append(".decoder");
        }
        return p.toString();
    }

    /** What went wrong, in the user's terms: never a Java class name. */
    static String jacksonMessage(JacksonException e) {
        return switch (e) {
            case UnrecognizedPropertyException u -> "unknown field (expected one of " + String.join(", ",
                    u.getKnownPropertyIds().stream().map(Object::toString).sorted().toList()) + ")";
            case InvalidTypeIdException t -> t.getTypeId() == null
                    ? "\"decoder\" is required (classifier, yolo, anchors or text_map)"
                    : "unknown decoder \"" + t.getTypeId() + "\" (expected classifier, yolo, anchors or text_map)";
            case ValueInstantiationException v -> v.getCause() == null || v.getCause().getMessage() == null
                    ? "has a missing (null) value" : stripPrefix(v.getCause().getMessage());
            case InvalidFormatException f when f.getTargetType() != null && f.getTargetType().isEnum() ->
                    "\"" + f.getValue() + "\" is not one of " + enumNames(f.getTargetType());
            case MismatchedInputException mi -> "must be " + expected(mi.getTargetType());
            case JsonMappingException jm when jm.getCause() instanceof InputCoercionException -> "the number is out of range";
            case InputCoercionException c -> "the number is out of range";
            default -> "is not valid";
        };
    }

    private static String enumNames(Class<?> type) {
        return String.join(", ", Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase(Locale.ROOT)).toList());
    }

    private static String expected(Class<?> t) {
        if (t == null) {
            return "a value of another type";
        }
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "a whole number";
        }
        if (t == Double.class || t == double.class || t == Float.class || t == float.class) {
            return "a number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isEnum()) {
            return "one of " + enumNames(t);
        }
        return "an object";
    }

    private static String stripPrefix(String message) {
        int colon = message.indexOf(": ");
        return colon > 0 && colon < 20 && !message.substring(0, colon).contains(" ") ? message.substring(colon + 2)
                : message.startsWith("anchors output: ") ? message.substring(16) : message;
    }

    // ---- tasks → entities ----

    /** The model id users see: the hex of a blob key of this account, any other model id as it is. */
    static String modelId(String account, String model) {
        String prefix = account + "/" + MODEL_KIND + "/";
        return model != null && model.startsWith(prefix) ? model.substring(prefix.length()) : model;
    }

    static ObjectNode entity(StoredTask t) {
        ObjectNode o = Call.JSON.createObjectNode();
        Task task = t.task();
        o.put("id", task.id());
        o.put("name", task.name());
        o.put("type", task.kind().wire());
        o.set("labels", Call.JSON.valueToTree(task.labels()));
        ObjectNode backend = Call.JSON.valueToTree(task.backend());
        if (task.backend() instanceof OnnxBackend b) {
            backend.put("model", modelId(t.account(), b.model()));
        }
        if (backend.get("headers") instanceof ObjectNode headers) {
            headers.fieldNames().forEachRemaining(n -> headers.put(n, HIDDEN));
        }
        o.set("backend", backend);
        o.put("version", t.version());
        // Ximilar's name for the version that classify and detect run ("version": null), which its
        // Python client's Task reads unconditionally; a task here has only its current version
        o.put("production_version", t.version());
        o.put("created", t.created().toString());
        o.put("updated", t.updated().toString());
        return o;
    }
}
