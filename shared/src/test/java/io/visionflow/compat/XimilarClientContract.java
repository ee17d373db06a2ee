package io.visionflow.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.task.http.FakeModelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.visionflow.compat.XimilarPyClient.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the public Python {@code ximilar-client} reads of every answer it gets, held against one
 * host of the API: one test per client method, named after it, each citing the file of
 * {@code pdhbo/ximilar-client} ({@code ximilar/client/...}) it replays and what that code reads.
 * Keys the client indexes directly must be there, of the JSON type its code uses; keys it reads
 * "if present" may be absent but never of another type. The client's constants.py names the keys
 * (ID = "id", NEXT = "next", ...).
 *
 * <p>A host extends this class and answers {@link #open()}: an API whose outbound policy lets http
 * tasks reach loopback (the suite's tasks are served by a {@link FakeModelServer}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class XimilarClientContract {
    /** Where the client's endpoint leads: the API on one host. */
    public interface Host extends XimilarPyClient.Transport, AutoCloseable {
        /** What a user gives the client as {@code endpoint}. */
        String endpoint();

        /** A valid token of the account the suite works in. */
        String token();
    }

    /** Starts the host. */
    protected abstract Host open() throws Exception;

    private static final Set<String> REQUEST_STATUSES = Set.of("CREATED", "PROCESSING", "DONE", "ERROR");

    protected Host host;
    protected XimilarPyClient client;
    private FakeModelServer model;
    private Path image;
    private String garment;
    private String palette;
    private String people;
    private final List<String> moreTasks = new ArrayList<>();
    private String plainFlow;
    private String sizedFlow;
    private final List<String> moreFlows = new ArrayList<>();

    @BeforeAll
    void setUp() throws Exception {
        host = open();
        client = new XimilarPyClient(host, host.endpoint(), host.token());
        model = FakeModelServer.start()
                .classify("/classify", Map.of("Shirt", 0.9, "Pants", 0.1))
                .detect("/detect", List.of(FakeModelServer.object("person", 0.8, 2, 2, 20, 20)));
        image = Files.createTempDirectory("ximilar-client").resolve("shirt.png");
        BufferedImage png = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = png.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(4, 4, 20, 20);
        g.dispose();
        ImageIO.write(png, "png", image.toFile());

        garment = created("/recognition/v2/task/", task("garment", List.of("Pants", "Shirt"), "/classify"));
        List<String> colours = List.of("red", "orange", "yellow", "green", "cyan", "blue", "violet", "pink", "brown",
                "grey", "black", "white");
        palette = created("/recognition/v2/task/", task("palette", colours, "/classify"));
        people = created("/detection/v2/task/", task("people", List.of("person"), "/detect"));
        // more than a page (10) of tasks and flows, so listings have a next page to follow
        for (int i = 0; i < 9; i++) {
            moreTasks.add(created("/recognition/v2/task/", task("garment " + i, List.of("Pants", "Shirt"), "/classify")));
        }
        plainFlow = created("/flows/v2/flow/", flow("plain", null, recognition("garment", garment)));
        ObjectNode both = JSON.createObjectNode().put("type", "list").put("id", "both");
        both.putArray("actions").add(recognition("garment", garment)).add(JSON.createObjectNode().put("type", "detection")
                .put("id", "people").put("task", people).put("output_field", "people"));
        sizedFlow = created("/flows/v2/flow/", flow("sized", 256, both));
        for (int i = 0; i < 9; i++) {
            moreFlows.add(created("/flows/v2/flow/", flow("flow " + i, null, recognition("garment", garment))));
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (model != null) {
            model.close();
        }
        if (host != null) {
            host.close();
        }
    }

    // ---- set-up through the API (not the client's create_* methods: those need Ximilar's training) ----

    private ObjectNode task(String name, List<String> labels, String path) {
        ObjectNode t = JSON.createObjectNode().put("name", name);
        labels.forEach(t.putArray("labels")::add);
        t.putObject("backend").put("kind", "http").put("url", model.url(path));
        return t;
    }

    private static ObjectNode recognition(String id, String task) {
        return JSON.createObjectNode().put("type", "recognition").put("id", id).put("task", task).put("output_field", id);
    }

    private static ObjectNode flow(String name, Integer imageSize, ObjectNode top) {
        ObjectNode f = JSON.createObjectNode().put("name", name).put("description", "the " + name + " flow");
        if (imageSize != null) {
            f.put("image_size", imageSize);
        }
        f.set("top_node", top);
        return f;
    }

    private String created(String path, ObjectNode body) {
        XimilarPyClient.Reply r = client.post(path, body);
        assertThat(r.status()).as(path + " " + r.text()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    /** What preprocess_records (client.py) makes of {@code [{"_file": path}]}. */
    private ArrayNode records() {
        return JSON.createArrayNode().add(XimilarPyClient.record(image));
    }

    // ---- the types the client's code needs ----

    /** {@code json[key]} read unconditionally, used as a string. */
    private static void string(JsonNode json, String key) {
        assertThat(json.has(key)).as("\"" + key + "\" (the client indexes it directly) in " + json).isTrue();
        assertThat(json.get(key).isTextual()).as("\"" + key + "\" is a string in " + json).isTrue();
    }

    /** {@code json[key]} read unconditionally, used as a number the client compares or converts. */
    private static void integer(JsonNode json, String key) {
        assertThat(json.has(key)).as("\"" + key + "\" (the client indexes it directly) in " + json).isTrue();
        assertThat(json.get(key).isIntegralNumber()).as("\"" + key + "\" is an integer in " + json).isTrue();
    }

    /** {@code json[key] if key in json else default}: absent, or a string (never null where a string is used). */
    private static void optionalString(JsonNode json, String key) {
        assertThat(!json.has(key) || json.get(key).isTextual()).as("\"" + key + "\" absent or a string in " + json).isTrue();
    }

    private static void optionalInteger(JsonNode json, String key) {
        assertThat(!json.has(key) || json.get(key).isIntegralNumber()).as("\"" + key + "\" absent or an integer in " + json).isTrue();
    }

    /** {@code "detail" in json}: the client's test for an error, and the text it raises or returns. */
    private static void detail(JsonNode json) {
        assertThat(json.path("detail").isTextual()).as("\"detail\" a string in " + json).isTrue();
        assertThat(json.get("detail").asText()).isNotBlank();
    }

    /**
     * client.py check_json_status: a "status" whose "code" is not 200 raises (code, status["text"]);
     * so a success has code 200, and an error its HTTP code and a text.
     */
    private static void status(XimilarPyClient.Reply r, int code) {
        JsonNode result = r.json();
        assertThat(r.status()).as(result.toString()).isEqualTo(code);
        integer(result.get("status"), "code");
        string(result.get("status"), "text");
        assertThat(result.at("/status/code").asInt()).as(result.toString()).isEqualTo(code);
        assertThat(result.at("/status/text").asText()).isNotBlank();
        if (code != 200) {
            detail(result);
        }
    }

    /** One page of a listing: what get_all_paginated_items and the pages of asyncr.py read. */
    private static void page(JsonNode page) {
        integer(page, "count");
        assertThat(page.has("next")).as("\"next\" in " + page).isTrue();
        assertThat(page.get("next").isNull() || page.get("next").isTextual()).as("next is null or a string").isTrue();
        assertThat(page.get("results").isArray()).as("results is a list").isTrue();
    }

    /** flows.py Flow.__init__: flow_json[ID], [NAME], [DESCRIPTION], [WORKSPACE], [TOP_NODE], [VALID]. */
    private static void flowEntity(JsonNode flow) {
        for (String key : List.of("id", "name", "description", "workspace")) {
            string(flow, key);
        }
        assertThat(flow.path("top_node").isObject()).as("top_node in " + flow).isTrue();
        assertThat(flow.path("valid").isBoolean()).as("valid in " + flow).isTrue();
        imageSize(flow);
    }

    /**
     * DESIGN section 1: {@code image_size} is an integer whenever the key is present, 0 or no key
     * meaning the original size, never null: Ximilar clients call {@code int()} on it when it is
     * there. (The flows.py stored at pdhbo/ximilar-client sets {@code self.image_size = 512} and reads
     * none; the contract is DESIGN's.) Returns the size, 0 for the original.
     */
    private static int imageSize(JsonNode flow) {
        assertThat(!flow.has("image_size") || flow.get("image_size").isIntegralNumber())
                .as("image_size absent or an integer (never null) in " + flow).isTrue();
        return flow.path("image_size").asInt(0);
    }

    /** recognition.py Task.__init__: task_json[ID], [NAME], [TYPE], [PRODUCTION_VERSION]; WORKSPACE, DESCRIPTION, LAST_TRAIN_STATUS if present. */
    private static void taskEntity(JsonNode task) {
        for (String key : List.of("id", "name", "type")) {
            string(task, key);
        }
        integer(task, "production_version");
        for (String key : List.of("workspace", "description", "last_train_status")) {
            optionalString(task, key);
        }
        // DESIGN: the task's current version number
        if (task.has("version")) {
            assertThat(task.get("production_version")).isEqualTo(task.get("version"));
        }
    }

    /** detection.py DetectionTask.__init__: task_json[ID], [NAME]; DESCRIPTION, WORKSPACE if present. */
    private static void detectionTaskEntity(JsonNode task) {
        string(task, "id");
        string(task, "name");
        optionalString(task, "description");
        optionalString(task, "workspace");
    }

    /** The envelope of a run: records (one per record sent, each with its _status), status, statistics. */
    private static JsonNode run(XimilarPyClient.Reply r, int records) {
        status(r, 200);
        JsonNode result = r.json();
        assertThat(result.path("records").isArray()).isTrue();
        assertThat(result.get("records")).hasSize(records);
        for (JsonNode record : result.get("records")) {
            integer(record.get("_status"), "code");
            assertThat(record.at("/_status/code").asInt()).as(record.toString()).isEqualTo(200);
            assertThat(record.has("_base64")).isFalse();
        }
        assertThat(result.at("/statistics/credits").isIntegralNumber()).as(result.toString()).isTrue();
        return result;
    }

    /** DESIGN section 1: recognition results, {"best_label": {"id","name","prob"}, "labels": [...]}. */
    private static void labelled(JsonNode result, String best) {
        for (JsonNode label : List.of(result.get("best_label"))) {
            string(label, "id");
            string(label, "name");
            assertThat(label.path("prob").isNumber()).as(label.toString()).isTrue();
        }
        assertThat(result.at("/best_label/name").asText()).isEqualTo(best);
        assertThat(result.path("labels").isArray()).isTrue();
        result.get("labels").forEach(l -> assertThat(l.path("prob").isNumber()).as(l.toString()).isTrue());
    }

    /** DESIGN section 1: detected objects, [{"id", "name", "prob", "bound_box": [x1, y1, x2, y2]}]. */
    private static void objects(JsonNode objects, String name) {
        assertThat(objects.isArray()).as(String.valueOf(objects)).isTrue();
        assertThat(objects).hasSize(1);
        JsonNode o = objects.get(0);
        string(o, "name");
        assertThat(o.get("name").asText()).isEqualTo(name);
        assertThat(o.path("prob").isNumber()).isTrue();
        assertThat(o.path("bound_box")).hasSize(4);
        o.get("bound_box").forEach(c -> assertThat(c.isNumber()).isTrue());
    }

    private JsonNode entity(String path) {
        XimilarPyClient.Reply r = client.get(path);
        assertThat(r.status()).as(path + " " + r.text()).isEqualTo(200);
        return r.json();
    }

    // ---- flows.py ----

    @Test
    void FlowsClient_get_flow() {
        // flows.py FlowsClient.get_flow: self.get(FLOW_ENDPOINT + flow_id), FLOW_ENDPOINT = "/flows/v2/flow/";
        // "detail" in the answer is its error (None, RESULT_ERROR), else Flow(..., flow_json)
        JsonNode plain = client.get("/flows/v2/flow/" + plainFlow).json();
        assertThat(client.urls.get(client.urls.size() - 1)).isEqualTo(client.endpoint() + "flows/v2/flow/" + plainFlow);
        assertThat(plain.has("detail")).isFalse();
        flowEntity(plain);
        assertThat(plain.get("id").asText()).isEqualTo(plainFlow);
        assertThat(imageSize(plain)).isZero();
        JsonNode sized = client.get("/flows/v2/flow/" + sizedFlow).json();
        flowEntity(sized);
        assertThat(imageSize(sized)).isEqualTo(256);

        XimilarPyClient.Reply missing = client.get("/flows/v2/flow/" + "no-such-flow");
        assertThat(missing.status()).isEqualTo(404);
        detail(missing.json());
    }

    @Test
    void FlowsClient_get_all_flows() {
        // flows.py FlowsClient.get_all_flows: client.py get_all_paginated_items(FLOW_ENDPOINT) reads
        // "results" and "next" of each page, follows next (its endpoint replaced by ""), then builds a Flow of each
        int from = client.urls.size();
        List<JsonNode> counts = new ArrayList<>();
        List<JsonNode> flows = client.allPaginated("/flows/v2/flow/", p -> {
            page(p);
            counts.add(p.get("count"));
        });
        flows.forEach(XimilarClientContract::flowEntity);
        Set<String> ids = new HashSet<>(flows.stream().map(f -> f.get("id").asText()).toList());
        assertThat(ids).hasSize(flows.size()).contains(plainFlow, sizedFlow).containsAll(moreFlows);
        assertThat(counts.get(0).asInt()).isEqualTo(flows.size());
        List<String> urls = client.urls.subList(from, client.urls.size());
        assertThat(urls).hasSize((flows.size() + 9) / 10);
        assertThat(urls.subList(0, 2)).containsExactly(client.endpoint() + "flows/v2/flow", client.endpoint() + "flows/v2/flow?page=2");

        // an error: no "results", so get_all_paginated_items returns {DETAIL: result[DETAIL], ...}
        JsonNode denied = client.withToken("not-a-token").get("/flows/v2/flow/").json();
        assertThat(denied.has("results")).isFalse();
        detail(denied);
    }

    @Test
    void Flow_to_json() {
        // flows.py Flow.to_json: self.get("/flows/v2/flow/" + str(self.id) + "/json"), returned as it is;
        // DESIGN section 1: the full definition tree, every node with "type" and "id"
        JsonNode json = entity("/flows/v2/flow/" + sizedFlow + "/json");
        assertThat(imageSize(json)).isEqualTo(256);
        List<JsonNode> nodes = new ArrayList<>(List.of(json.get("top_node")));
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            string(node, "type");
            string(node, "id");
            node.path("actions").forEach(nodes::add);
        }
        assertThat(nodes).hasSize(3);
        assertThat(imageSize(entity("/flows/v2/flow/" + plainFlow + "/json"))).isZero();
    }

    @Test
    void FlowsClient_process_flow() {
        // flows.py FlowsClient.process_flow: construct_data → {"flow": flow, RECORDS: preprocess_records(records)}
        // plus STORE_IMAGES when store_images is not None, posted to PREDICT_ENDPOINT "/flows/v2/process";
        // the answer is returned as it is: callers read "records" and "status"
        ObjectNode data = JSON.createObjectNode().put("flow", plainFlow);
        ArrayNode records = data.putArray("records");
        records.add(XimilarPyClient.record(image));
        try {
            BufferedImage big = ImageIO.read(image.toFile());
            records.add(JSON.createObjectNode().put("_file", "/tmp/b.png").put("_base64", XimilarPyClient.dataUri(big, 512)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        data.put("store_images", false);
        JsonNode result = run(client.post("/flows/v2/process", data), 2);
        for (JsonNode record : result.get("records")) {
            labelled(record.get("garment"), "Shirt");
            assertThat(record.has("_file")).isFalse();
        }
    }

    @Test
    void Flow_process() {
        // flows.py Flow.process(records, store_images=None): process_flow(self.id, ...), so no store_images key
        ObjectNode data = JSON.createObjectNode().put("flow", sizedFlow);
        data.set("records", records());
        JsonNode record = run(client.post("/flows/v2/process", data), 1).get("records").get(0);
        labelled(record.get("garment"), "Shirt");
        objects(record.get("people"), "person");
    }

    // ---- recognition.py ----

    @Test
    void RecognitionClient_get_task() {
        // recognition.py RecognitionClient.get_task: self.get(TASK_ENDPOINT + task_id), TASK_ENDPOINT =
        // "recognition/v2/task/"; ID not in the answer → {STATUS: task_json[DETAIL]}; else Task(..., task_json)
        JsonNode task = entity("recognition/v2/task/" + garment);
        taskEntity(task);
        assertThat(task.get("production_version").asInt()).isEqualTo(1);
        // a client given a workspace sends it as a query parameter (add_workspace)
        JsonNode again = client.withWorkspace(task.path("workspace").asText("my-workspace"))
                .get("recognition/v2/task/" + garment).json();
        assertThat(again.get("id")).isEqualTo(task.get("id"));

        JsonNode missing = client.get("recognition/v2/task/" + "no-such-task").json();
        assertThat(missing.has("id")).isFalse();
        detail(missing);
    }

    @Test
    void RecognitionClient_get_all_tasks() {
        // recognition.py RecognitionClient.get_all_tasks: get_all_paginated_items(TASK_ENDPOINT + suffix), a Task of each
        List<JsonNode> tasks = client.allPaginated("recognition/v2/task/", XimilarClientContract::page);
        tasks.forEach(XimilarClientContract::taskEntity);
        List<String> ids = tasks.stream().map(t -> t.get("id").asText()).toList();
        assertThat(new HashSet<>(ids)).hasSize(ids.size()).contains(garment, palette).containsAll(moreTasks).doesNotContain(people);
    }

    @Test
    void Task_get_labels() {
        // recognition.py Task.get_labels: get_all_labels(suffix="?task=" + self.id) → get_all_paginated_items(
        // LABEL_ENDPOINT + suffix), LABEL_ENDPOINT = "recognition/v2/label/"; each label gets "workspace" set, then
        // Label.__init__ reads label_json[ID], [NAME]; TYPE, TASKS_COUNT, NEGATIVE_FOR_TASK, WORKSPACE, IMAGES_COUNT,
        // DESCRIPTION, OUTPUT_NAME if present. (An error answer makes get_labels fail on its own cache.)
        JsonNode task = entity("recognition/v2/task/" + palette);
        XimilarPyClient asTask = client.withWorkspace(task.path("workspace").asText(XimilarPyClient.DEFAULT_WORKSPACE));
        List<JsonNode> labels = asTask.allPaginated("recognition/v2/label/?task=" + palette, XimilarClientContract::page);
        for (JsonNode label : labels) {
            string(label, "id");
            string(label, "name");
            for (String key : List.of("type", "workspace", "description", "output_name")) {
                optionalString(label, key);
            }
            optionalInteger(label, "tasks_count");
            optionalInteger(label, "images_count");
        }
        // twelve labels: two pages, the second found through next with the task filter kept
        assertThat(labels.stream().map(l -> l.get("id")).toList()).isEqualTo(task.get("labels").findValues("id"));
        assertThat(labels.stream().map(l -> l.get("name")).toList()).isEqualTo(task.get("labels").findValues("name"));
    }

    @Test
    void Task_classify() {
        // recognition.py Task.classify: construct_data → {RECORDS, TASK_ID: self.id, VERSION: version (None)}, plus
        // STORE_IMAGES: True when store_images; posted (with add_workspace) to CLASSIFY_ENDPOINT
        // "recognition/v2/classify/"; check_json_status then raises on a status code other than 200
        JsonNode task = entity("recognition/v2/task/" + garment);
        XimilarPyClient asTask = client.withWorkspace(task.path("workspace").asText(XimilarPyClient.DEFAULT_WORKSPACE));
        for (Boolean storeImages : new Boolean[] {null, true}) {
            ObjectNode data = JSON.createObjectNode();
            data.set("records", records());
            data.put("task_id", garment).putNull("version");
            if (storeImages != null) {
                data.put("store_images", true);
            }
            JsonNode record = run(asTask.post("recognition/v2/classify/", data), 1).get("records").get(0);
            labelled(record, "Shirt");
        }
    }

    @Test
    void RecognitionClient_classify_on_task() {
        // recognition.py RecognitionClient.classify_on_task(records, task_id, version): the body of Task.classify
        // with the version given; a client made with workspace= adds "workspace" (client.py add_workspace)
        JsonNode task = entity("recognition/v2/task/" + garment);
        taskEntity(task);
        String workspace = entity("/flows/v2/flow/" + plainFlow).get("workspace").asText();
        ObjectNode data = JSON.createObjectNode();
        data.set("records", records());
        data.put("task_id", garment).put("version", task.get("production_version").asInt());
        labelled(run(client.withWorkspace(workspace).post("recognition/v2/classify/", data), 1).get("records").get(0), "Shirt");

        // an unknown task: check_json_status raises with the code and text
        ObjectNode unknown = data.deepCopy().put("task_id", "no-such-task").putNull("version");
        status(client.post("recognition/v2/classify/", unknown), 404);
    }

    @Test
    void RecognitionClient_remove_task() {
        // recognition.py RecognitionClient.remove_task: self.delete(TASK_ENDPOINT + task_id + "/"); client.py delete
        // joins with urllib.parse.urljoin and returns a 204 as it is, anything else as result.json()
        String id = created("/recognition/v2/task/", task("throwaway", List.of("a"), "/classify"));
        XimilarPyClient.Reply r = client.delete("recognition/v2/task/" + id + "/");
        assertThat(r.status()).as(r.text()).isEqualTo(204);
        detail(client.get("recognition/v2/task/" + id).json());
        detail(client.delete("recognition/v2/task/" + id + "/").json());
    }

    // ---- detection.py ----

    @Test
    void DetectionClient_get_task() {
        // detection.py DetectionClient.get_task: self.get(TASK_ENDPOINT + task_id), TASK_ENDPOINT = "detection/v2/task/";
        // ID not in the answer → its DETAIL; else DetectionTask(..., task_json, ...)
        JsonNode task = entity("detection/v2/task/" + people);
        detectionTaskEntity(task);
        JsonNode missing = client.get("detection/v2/task/" + garment).json();
        assertThat(missing.has("id")).isFalse();
        detail(missing);
    }

    @Test
    void DetectionClient_get_all_tasks() {
        // detection.py DetectionClient.get_all_tasks: get_all_paginated_items(TASK_ENDPOINT + suffix), a DetectionTask of each
        List<JsonNode> tasks = client.allPaginated("detection/v2/task/", XimilarClientContract::page);
        tasks.forEach(XimilarClientContract::detectionTaskEntity);
        assertThat(tasks.stream().map(t -> t.get("id").asText()).toList()).contains(people).doesNotContain(garment);
    }

    @Test
    void DetectionTask_get_labels() {
        // detection.py DetectionTask.get_labels: get_all_labels(suffix="?task=" + self.id) → get_all_paginated_items(
        // LABEL_ENDPOINT + suffix), LABEL_ENDPOINT = "detection/v2/label/"; DetectionLabel.__init__ reads
        // label_json[ID], [NAME], [COLOR]; DESCRIPTION, WORKSPACE, RECOGNITION_TASKS, OUTPUT_NAME if present
        List<JsonNode> labels = client.allPaginated("detection/v2/label/?task=" + people, XimilarClientContract::page);
        assertThat(labels).hasSize(1);
        for (JsonNode label : labels) {
            string(label, "id");
            string(label, "name");
            string(label, "color");
            optionalString(label, "description");
            optionalString(label, "workspace");
            optionalString(label, "output_name");
        }
        assertThat(labels.get(0).get("name").asText()).isEqualTo("person");
    }

    @Test
    void DetectionTask_detect() {
        // detection.py DetectionTask.detect: preprocess_records, then {RECORDS, TASK_ID: self.id, VERSION: None}
        // posted to DETECT_ENDPOINT "detection/v2/detect/"; the answer is returned as it is
        ObjectNode data = JSON.createObjectNode();
        data.set("records", records());
        data.put("task_id", people).putNull("version");
        objects(run(client.post("detection/v2/detect/", data), 1).at("/records/0/_objects"), "person");
    }

    @Test
    void DetectionClient_detect_on_task() {
        // detection.py DetectionClient.detect_on_task(records, task_id, version): construct_data → {RECORDS, TASK_ID,
        // VERSION}, posted to PREDICT_ENDPOINT = DETECT_ENDPOINT, then check_json_status
        JsonNode task = entity("detection/v2/task/" + people);
        ObjectNode data = JSON.createObjectNode();
        data.set("records", records());
        data.put("task_id", people).put("version", task.path("production_version").asInt(1));
        objects(run(client.post("detection/v2/detect/", data), 1).at("/records/0/_objects"), "person");
    }

    @Test
    void DetectionClient_remove_task() {
        // detection.py DetectionClient.remove_task: self.delete(TASK_ENDPOINT + task_id), no trailing slash
        String id = created("/detection/v2/task/", task("throwaway", List.of("a"), "/detect"));
        assertThat(client.delete("detection/v2/task/" + id).status()).isEqualTo(204);
        detail(client.get("detection/v2/task/" + id).json());
    }

    // ---- asyncr.py ----

    /** asyncr.py AsyncRClient.submit(request, type): data = request, data["type"] = type, posted to REQUEST_ENDPOINT. */
    private JsonNode submit() {
        ObjectNode data = JSON.createObjectNode().put("flow", plainFlow);
        // asyncr.py does not preprocess: the records go as the caller gives them
        data.putArray("records").addObject().put("_base64", XimilarPyClient.loadBase64File(image));
        data.put("type", "flows");
        XimilarPyClient.Reply r = client.post("account/v2/request/", data);
        assertThat(r.status()).as(r.text()).isIn(200, 201, 202);
        return r.json();
    }

    /** asyncr.py AsynchronousRequest.__init__: async_json["id"], ["status"], ["type"]; "response" if present. */
    private static void asyncRequest(JsonNode request) {
        string(request, "id");
        string(request, "status");
        string(request, "type");
        assertThat(request.get("status").asText()).isIn(REQUEST_STATUSES);
        assertThat(!request.has("response") || request.get("response").isObject()).as(request.toString()).isTrue();
    }

    @Test
    void AsyncRClient_submit() {
        // asyncr.py AsyncRClient.submit: post(REQUEST_ENDPOINT = "account/v2/request/", data) → AsynchronousRequest(result)
        JsonNode request = submit();
        asyncRequest(request);
        assertThat(request.get("type").asText()).isEqualTo("flows");
    }

    @Test
    void AsyncRClient_get_request() {
        // asyncr.py AsyncRClient.get_request: self.get(REQUEST_ENDPOINT + id) → AsynchronousRequest(result)
        String id = submit().get("id").asText();
        JsonNode request = entity("account/v2/request/" + id);
        asyncRequest(request);
        assertThat(request.get("id").asText()).isEqualTo(id);
    }

    @Test
    void AsynchronousRequest_check_status() {
        // asyncr.py AsynchronousRequest.check_status: self.get(REQUEST_ENDPOINT + self.id + "/status")["status"]
        String id = submit().get("id").asText();
        JsonNode status = entity("account/v2/request/" + id + "/status");
        string(status, "status");
        assertThat(status.get("status").asText()).isIn(REQUEST_STATUSES);
    }

    @Test
    void AsynchronousRequest_update() throws InterruptedException {
        // asyncr.py AsynchronousRequest.update: while there is no response, check_status() == "DONE" →
        // get_request(self.id) and take its "status" and "response"
        String id = submit().get("id").asText();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!"DONE".equals(entity("account/v2/request/" + id + "/status").get("status").asText())) {
            assertThat(System.nanoTime()).as("request " + id + " DONE within a minute").isLessThan(deadline);
            Thread.sleep(50);
        }
        JsonNode request = entity("account/v2/request/" + id);
        asyncRequest(request);
        assertThat(request.get("status").asText()).isEqualTo("DONE");
        JsonNode response = request.get("response");
        assertThat(response.isObject()).as(request.toString()).isTrue();
        integer(response.get("status"), "code");
        assertThat(response.at("/status/code").asInt()).isEqualTo(200);
        labelled(response.at("/records/0/garment"), "Shirt");
    }

    @Test
    void AsyncRClient_get_requests() {
        // asyncr.py AsyncRClient.get_requests(page_url, type, status): url = page_url or REQUEST_ENDPOINT + "?page=1",
        // then "&type=" + type; self.get(url) as it is (no endpoint stripped: next must join to the endpoint);
        // an AsynchronousRequest of each of result[RESULTS], result[NEXT] and {"count": result["count"]}
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            submitted.add(submit().get("id").asText());
        }
        List<String> seen = new ArrayList<>();
        String url = "account/v2/request/?page=1";
        for (int pages = 0; url != null; pages++) {
            XimilarPyClient.Reply r = client.get(url + "&type=flows");
            assertThat(r.status()).as(client.urls.get(client.urls.size() - 1) + " (next joined to the endpoint) answered "
                    + r.text()).isEqualTo(200);
            JsonNode result = r.json();
            page(result);
            result.get("results").forEach(XimilarClientContract::asyncRequest);
            result.get("results").forEach(a -> seen.add(a.get("id").asText()));
            assertThat(pages).isLessThan(100);
            url = result.get("next").isNull() ? null : result.get("next").asText();
        }
        assertThat(new HashSet<>(seen)).hasSize(seen.size()).containsAll(submitted);
    }

    // ---- client.py ----

    @Test
    void RestClient_check_json_status() {
        // client.py check_json_status: a "status" whose "code" is not 200 raises XimilarClientException(code,
        // status["text"]); Django-style callers read "detail". FlowsClient.process_flow of bad input:
        ObjectNode unknown = JSON.createObjectNode().put("flow", "no-such-flow");
        unknown.set("records", records());
        status(client.post("/flows/v2/process", unknown), 404);
        ObjectNode good = unknown.deepCopy().put("flow", plainFlow);
        status(client.withToken("not-a-token").post("/flows/v2/process", good), 401);
        ObjectNode eleven = good.deepCopy();
        for (int i = 0; i < 10; i++) {
            ((ArrayNode) eleven.get("records")).add(XimilarPyClient.record(image));
        }
        XimilarPyClient.Reply tooMany = client.post("/flows/v2/process", eleven);
        status(tooMany, 400);
        assertThat(tooMany.json().get("detail").asText()).contains("records");

        // a corrupt image fails alone: the request is a 200 and that record carries its _status
        ObjectNode oneBad = good.deepCopy();
        ((ArrayNode) oneBad.get("records")).addObject().put("_file", "/tmp/b.jpg").put("_base64", "bm90IGFuIGltYWdl");
        XimilarPyClient.Reply r = client.post("/flows/v2/process", oneBad);
        status(r, 200);
        JsonNode result = r.json();
        assertThat(result.at("/records/0/_status/code").asInt()).isEqualTo(200);
        assertThat(result.at("/records/1/_status/code").asInt()).isEqualTo(400);
        assertThat(result.at("/records/1/_status/text").isTextual()).isTrue();
    }

    @Test
    void RestClient_check_resource() {
        // client.py check_resource: post "authorization/v2/authorize" {"service": resource_name}; USER_ID in the
        // answer → access; else result["detail"] + " " + resource_name is raised (so "detail" is a string)
        ObjectNode data = JSON.createObjectNode().put("service", "flows");
        JsonNode ok = client.post("authorization/v2/authorize", data).json();
        string(ok, "user_id");
        JsonNode denied = client.withToken("not-a-token").post("authorization/v2/authorize", data).json();
        assertThat(denied.has("user_id")).isFalse();
        detail(denied);
    }
}
