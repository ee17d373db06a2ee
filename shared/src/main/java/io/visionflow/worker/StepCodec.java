package io.visionflow.worker;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Charge;
import io.visionflow.engine.ChildStep;
import io.visionflow.engine.Frame;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepFailure;
import io.visionflow.engine.StepInput;
import io.visionflow.engine.StepOutcome;
import io.visionflow.flow.Action;
import io.visionflow.flow.FlowJson;
import io.visionflow.flow.FlowParser;
import io.visionflow.flow.ListAction;
import io.visionflow.image.ImageRef;
import io.visionflow.task.Task;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of one step as it travels to a worker, and of its outcome on the way back. A request
 * carries the action (with the actions nested in it, which its children may be), the snapshot of
 * its scope, images as references, and the task it calls as of the run's start; an outcome names
 * each child action by its position in the request's action tree (pre-order, the action itself is
 * 0), so the driver continues with its own action objects; a child from elsewhere (the top node of
 * a nested flow) travels whole as {@code action_def}.
 *
 * <pre>
 * request: {"v":1, "account":…, "action":{…}, "scope":{…}, "image":{"id","width","height"},
 *           "frame":[offsetX, offsetY, scaleX, scaleY], "original":{…}, "tasks":[{…}],
 *           "store_images"?: url prefix}
 * outcome: {"writes":{…}, "mode":"parallel"|"sequence",
 *           "children":[{"scope":"/objects/0", "action":2, "image":{…}, "frame":[…]}],
 *           "charges":[{"action":…, "item":…, "credits":1}]}
 *       or {"failure":{"status":409, "message":…}}
 * </pre>
 * {@code store_images} is present when the request stores the images services return: the worker
 * stores them in the account's images and answers {@code prefix + sha256} (absent: data URIs).
 */
public final class StepCodec {
    static final int VERSION = 1;
    private static final ObjectMapper JSON = Mappers.create();

    private StepCodec() {
    }

    /**
     * A step as a worker receives it.
     *
     * @param storeImages the URL prefix of stored images when the request stores them, else null
     */
    public record Request(String account, StepInput input, List<Task> tasks, String storeImages) {
    }

    public static byte[] request(StepInput input, StepContext context) {
        ObjectNode root = JSON.createObjectNode();
        root.put("v", VERSION);
        root.put("account", context.account());
        root.set("action", FlowJson.write(input.action()));
        root.set("scope", input.scope());
        root.set("image", image(input.image()));
        root.set("frame", frame(input.frame()));
        root.set("original", image(input.original()));
        ArrayNode tasks = root.putArray("tasks");
        // a task deleted since the run started travels as absent: the step then fails as it would here
        WorkerKind.taskOf(input.action()).flatMap(id -> context.tasks().find(id))
                .ifPresent(t -> tasks.add(JSON.valueToTree(t)));
        context.outputs().urlPrefix().ifPresent(prefix -> root.put("store_images", prefix));
        return bytes(root);
    }

    /** Reads a request; a malformed one is a 400 failure (a bug in the sender, never the user's input). */
    public static Request readRequest(byte[] bytes) throws StepFailure {
        return readRequest(tree(bytes));
    }

    /** The JSON of a request; a 400 failure when it is none. */
    static JsonNode tree(byte[] bytes) throws StepFailure {
        try {
            return checked(JSON.readTree(bytes));
        } catch (IOException e) {
            throw new StepFailure(400, "malformed step request: " + e.getMessage(), e);
        }
    }

    private static JsonNode checked(JsonNode root) throws IOException {
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (root.path("v").asInt() != VERSION) {
            throw new IOException("version " + root.path("v") + ", this worker reads " + VERSION);
        }
        return root;
    }

    /** Reads a request already parsed as JSON (inside another message, say), with the same checks. */
    public static Request readRequest(JsonNode root) throws StepFailure {
        try {
            checked(root);
            FlowParser.Result parsed = FlowParser.parseAction(root.get("action"), "action");
            if (!parsed.ok()) {
                throw new IOException("action: " + parsed.problems());
            }
            List<Task> tasks = new ArrayList<>();
            for (JsonNode t : root.path("tasks")) {
                tasks.add(JSON.treeToValue(t, Task.class));
            }
            String account = text(root, "account");
            JsonNode scope = root.get("scope");
            StepInput input = new StepInput(parsed.definition().topNode(),
                    scope instanceof ObjectNode o ? o : JSON.createObjectNode(),
                    image(root.get("image")), frame(root.get("frame")), image(root.get("original")));
            JsonNode store = root.get("store_images");
            if (store != null && !store.isTextual()) {
                throw new IllegalArgumentException("\"store_images\" must be a URL prefix, found " + store);
            }
            return new Request(account, input, tasks, store == null ? null : store.asText());
        } catch (IOException | RuntimeException e) {
            throw new StepFailure(400, "malformed step request: " + e.getMessage(), e);
        }
    }

    /** A model inspection as a worker receives it: the model's key and, for a task check, the task. */
    public record Inspection(String account, String model, Task task) {
    }

    /**
     * A request to inspect a model with ONNX Runtime, for the API function which has none:
     * {@code {"v":1, "op":"inspect_model", "account":…, "model": key, "task":{…}}}; the reply is
     * {@code {"description":{…}, "problems":[{"path","message"}]}} or a failure.
     */
    public static byte[] inspection(String account, String model, Task task) {
        ObjectNode root = JSON.createObjectNode();
        root.put("v", VERSION);
        root.put("op", INSPECT_MODEL);
        root.put("account", account);
        root.put("model", model);
        if (task != null) {
            root.set("task", JSON.valueToTree(task));
        }
        return bytes(root);
    }

    static final String INSPECT_MODEL = "inspect_model";

    /** The operation a request asks for: a step (no {@code op}), or {@value #INSPECT_MODEL}. */
    static String operation(JsonNode request) {
        return request.path("op").asText("step");
    }

    static Inspection readInspection(JsonNode root) throws StepFailure {
        try {
            Task task = root.hasNonNull("task") ? JSON.treeToValue(root.get("task"), Task.class) : null;
            return new Inspection(text(root, "account"), text(root, "model"), task);
        } catch (IOException | RuntimeException e) {
            throw new StepFailure(400, "malformed inspection request: " + e.getMessage(), e);
        }
    }

    public static byte[] inspected(ObjectNode description, List<io.visionflow.flow.Problem> problems) {
        ObjectNode root = JSON.createObjectNode();
        root.set("description", description);
        ArrayNode list = root.putArray("problems");
        problems.forEach(p -> list.addObject().put("path", p.path()).put("message", p.message()));
        return bytes(root);
    }

    /** The reply of an inspection: its description and problems, or the worker's failure. */
    public static JsonNode inspected(byte[] reply) throws StepFailure {
        JsonNode root = reply(reply, "inspection failed");
        if (root == null || !root.path("problems").isArray()) {
            throw new StepFailure(502, "the worker's reply is malformed: " + root);
        }
        return root;
    }

    public static byte[] outcome(StepOutcome outcome, Action action) {
        List<Action> tree = preorder(action);
        ObjectNode root = JSON.createObjectNode();
        root.set("writes", outcome.writes());
        root.put("mode", outcome.childMode().name().toLowerCase(Locale.ROOT));
        ArrayNode children = root.putArray("children");
        for (ChildStep c : outcome.children()) {
            int index = indexOf(tree, c.action());
            ObjectNode child = children.addObject();
            child.put("scope", c.scope().toString());
            if (index > 0) {
                child.put("action", index);
            } else {
                // not nested in the step's own action: a nested flow's top node, sent whole
                child.set("action_def", FlowJson.write(c.action()));
            }
            child.set("image", image(c.image()));
            child.set("frame", frame(c.frame()));
        }
        ArrayNode charges = root.putArray("charges");
        for (Charge c : outcome.charges()) {
            charges.addObject().put("action", c.actionId()).put("item", c.item()).put("credits", c.credits());
        }
        return bytes(root);
    }

    public static byte[] failure(StepFailure failure) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("failure").put("status", failure.status()).put("message", failure.getMessage());
        return bytes(root);
    }

    /**
     * The outcome of a worker's reply, with children mapped back onto {@code action}'s tree;
     * the worker's step failure is rethrown as it was, a reply that cannot be read is a 502.
     */
    public static StepOutcome outcome(byte[] reply, Action action) throws StepFailure {
        JsonNode root = reply(reply, "step failed");
        try {
            if (root == null || !(root.get("writes") instanceof ObjectNode writes)) {
                throw new IllegalArgumentException("no writes");
            }
            List<Action> tree = preorder(action);
            ListAction.Mode mode = ListAction.Mode.valueOf(text(root, "mode").toUpperCase(Locale.ROOT));
            List<ChildStep> children = new ArrayList<>();
            for (JsonNode c : root.path("children")) {
                Action child;
                if (c.has("action_def")) {
                    FlowParser.Result parsed = FlowParser.parseAction(c.get("action_def"), "action_def");
                    if (!parsed.ok()) {
                        throw new IllegalArgumentException("child action: " + parsed.problems());
                    }
                    child = parsed.definition().topNode();
                } else {
                    int index = c.path("action").asInt(-1);
                    if (index < 1 || index >= tree.size()) {
                        throw new IllegalArgumentException("child action " + c.path("action") + " is not in the step's tree");
                    }
                    child = tree.get(index);
                }
                children.add(new ChildStep(JsonPointer.compile(text(c, "scope")), child,
                        image(c.get("image")), frame(c.get("frame"))));
            }
            List<Charge> charges = new ArrayList<>();
            for (JsonNode c : root.path("charges")) {
                charges.add(new Charge(text(c, "action"), text(c, "item"), c.path("credits").asInt()));
            }
            return new StepOutcome(writes, mode, children, charges);
        } catch (RuntimeException e) {
            throw new StepFailure(502, "the worker's reply is malformed: " + e.getMessage(), e);
        }
    }

    /** A worker's reply as JSON; its failure rethrown with its status (a nonsense status is a 500), bytes that are no JSON a 502. */
    private static JsonNode reply(byte[] reply, String failed) throws StepFailure {
        JsonNode root;
        try {
            root = JSON.readTree(reply);
        } catch (IOException e) {
            throw new StepFailure(502, "the worker's reply is not JSON: " + e.getMessage(), e);
        }
        if (root != null && root.get("failure") instanceof ObjectNode f) {
            int status = f.path("status").asInt(500);
            throw new StepFailure(status >= 400 && status <= 599 ? status : 500, f.path("message").asText(failed));
        }
        return root;
    }

    /** The action and every action nested in it, depth first, the action itself first. */
    static List<Action> preorder(Action action) {
        List<Action> out = new ArrayList<>();
        collect(action, out);
        return out;
    }

    private static void collect(Action action, List<Action> out) {
        out.add(action);
        action.subActions().forEach(a -> collect(a, out));
    }

    private static int indexOf(List<Action> tree, Action action) {
        for (int i = 0; i < tree.size(); i++) {
            if (tree.get(i) == action) {
                return i;
            }
        }
        return tree.indexOf(action);
    }

    private static ObjectNode image(ImageRef ref) {
        return JSON.createObjectNode().put("id", ref.id()).put("width", ref.width()).put("height", ref.height());
    }

    private static ImageRef image(JsonNode node) {
        if (node == null || !node.path("id").isTextual() || !node.path("width").canConvertToInt()
                || !node.path("height").canConvertToInt()) {
            throw new IllegalArgumentException("an image reference needs id, width and height, found " + node);
        }
        return new ImageRef(node.get("id").asText(), node.get("width").asInt(), node.get("height").asInt());
    }

    private static ArrayNode frame(Frame f) {
        return JSON.createArrayNode().add(f.offsetX()).add(f.offsetY()).add(f.scaleX()).add(f.scaleY());
    }

    private static Frame frame(JsonNode node) {
        if (node == null || !node.isArray() || node.size() != 4) {
            throw new IllegalArgumentException("a frame is [offsetX, offsetY, scaleX, scaleY], found " + node);
        }
        return new Frame(node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble(), node.get(3).asDouble());
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string, found " + v);
        }
        return v.asText();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
