package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.RunResult;
import io.visionflow.flow.Action;
import io.visionflow.flow.Detection;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.Problem;
import io.visionflow.flow.Recognition;
import io.visionflow.service.ImageOutput;
import io.visionflow.store.BlobModelSource;
import io.visionflow.store.StoredFlow;
import io.visionflow.store.StoredTask;
import io.visionflow.task.TaskKind;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The synchronous endpoints: run a flow, or a single classification or detection task. */
final class ProcessEndpoints {
    /** Usage is kept per flow; single-task calls are counted under this name. */
    static final String NO_FLOW = "-";
    private static final String RESULT_FIELD = "_result";

    private final Api api;
    private final FlowsEndpoints flows;

    ProcessEndpoints(Api api, FlowsEndpoints flows) {
        this.api = api;
        this.flows = flows;
    }

    void register(Routes routes) {
        routes.addBillable("POST", "/flows/v2/process", this::process)
                .addBillable("POST", "/recognition/v2/classify", this::classify)
                .addBillable("POST", "/detection/v2/detect", this::detect);
    }

    private ApiResponse process(Call call) {
        ObjectNode body = call.jsonObject();
        String flowId = id(body, "flow", "flow_id");
        List<ObjectNode> records = records(body);
        boolean storeImages = flag(body, "store_images");
        StoredFlow flow = api.stores().flows().get(call.account(), flowId)
                .orElseThrow(() -> ApiException.notFound("flow \"" + flowId + "\""));
        call.flow(flow.id());
        if (!flow.valid()) {
            throw new ApiException(409, "flow \"" + flowId + "\" is not valid: " + flow.invalidReason());
        }
        Map<String, FlowDefinition> snapshot = flows.snapshot(call.account(), flow);
        FlowDefinition def = snapshot.get(flow.id());
        List<Problem> problems = api.engine().validator(flows.tasks(call.account()), id -> Optional.ofNullable(snapshot.get(id)))
                .check(def, flow.id());
        if (!problems.isEmpty()) {
            throw new ApiException(409, "flow \"" + flowId + "\" is not valid: " + problems.get(0), problems);
        }
        ImageOutput outputs = storeImages ? ImagesEndpoints.output(api.stores().blobs(), call) : ImageOutput.INLINE;
        RunResult result = api.engine().run(call.account(), def, records, flows.tasks(call.account()),
                id -> Optional.ofNullable(snapshot.get(id)), outputs, new BlobModelSource(api.stores().blobs(), call.account()));
        charge(call, flow.id(), result);
        call.measured(flow.id(), result);
        return call.ok(Envelope.ok(result, call.requestId()));
    }

    /**
     * Ximilar clients send {@code {"records", "task_id", "version": null, "store_images"?: true,
     * "workspace"?}}: {@code version} null runs the task's current version; {@code workspace} is
     * accepted and not used (an account here is one workspace, which its token names).
     */
    private ApiResponse classify(Call call) {
        ObjectNode body = call.jsonObject();
        String taskId = id(body, "task", "task_id");
        List<ObjectNode> records = records(body);
        Integer version = version(body);
        // no image outputs to store: a recognition result is labels only
        flag(body, "store_images");
        task(call, taskId, TaskKind.CLASSIFICATION, version);
        RunResult result = runSingle(call, new Recognition("classify", taskId, RESULT_FIELD, null), records);
        // the classify endpoint answers best_label and labels at the top of each record
        for (ObjectNode r : result.records()) {
            JsonNode labels = r.remove(RESULT_FIELD);
            if (labels instanceof ObjectNode o) {
                r.setAll(o);
            }
        }
        return call.ok(Envelope.ok(result, call.requestId()));
    }

    /** The body of {@link #classify}, with {@code keep_prob}. */
    private ApiResponse detect(Call call) {
        ObjectNode body = call.jsonObject();
        String taskId = id(body, "task", "task_id");
        List<ObjectNode> records = records(body);
        double keepProb = Detection.DEFAULT_KEEP_PROB;
        JsonNode k = body.get("keep_prob");
        if (k != null && !k.isNull()) {
            if (!k.isNumber() || k.asDouble() < 0 || k.asDouble() > 1) {
                throw ApiException.badRequest("keep_prob", "must be a number between 0 and 1, found " + k);
            }
            keepProb = k.asDouble();
        }
        Integer version = version(body);
        flag(body, "store_images");
        task(call, taskId, TaskKind.DETECTION, version);
        RunResult result = runSingle(call, new Detection("detect", taskId, Detection.DEFAULT_OUTPUT_FIELD, keepProb), records);
        return call.ok(Envelope.ok(result, call.requestId()));
    }

    private RunResult runSingle(Call call, Action action, List<ObjectNode> records) {
        RunResult result = api.engine().run(call.account(), new FlowDefinition(action.type(), "", null, action), records,
                flows.tasks(call.account()), id -> Optional.empty());
        charge(call, NO_FLOW, result);
        call.measured(NO_FLOW, result);
        return result;
    }

    /** @param version the version the client asked for, null for the current one */
    private void task(Call call, String taskId, TaskKind kind, Integer version) {
        StoredTask task = api.stores().tasks().get(call.account(), taskId)
                .orElseThrow(() -> ApiException.notFound("task \"" + taskId + "\""));
        call.flow(NO_FLOW);
        if (task.task().kind() != kind) {
            throw ApiException.badRequest("task", "task \"" + task.task().name() + "\" is a " + task.task().kind().wire()
                    + " task; this endpoint needs a " + kind.wire() + " task");
        }
        // only the current version is kept: running another one silently would answer for a model not asked for
        if (version != null && version != task.version()) {
            throw new ApiException(409, "task \"" + task.task().name() + "\" is at version " + task.version()
                    + " and only its current version runs; send \"version\": " + task.version() + " or null");
        }
    }

    /** The optional {@code version} of a single-task call: null (or absent) for the current one, else a version number. */
    static Integer version(ObjectNode body) {
        JsonNode v = body.get("version");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw ApiException.badRequest("version", "must be a version number of the task (1 or more) or null for its"
                    + " current version, found " + (v.isNumber() ? v.toString() : Call.describe(v)));
        }
        return v.asInt();
    }

    /** Counts the credits of a request once, under its request id. */
    private void charge(Call call, String flow, RunResult result) {
        if (result.credits() > 0) {
            api.stores().usage().charge(call.account(), LocalDate.now(api.config().clock), flow, result.credits(),
                    call.requestId());
        }
    }

    /** The id in {@code name}, or in its alias (Ximilar clients send {@code flow_id} and {@code task_id}). */
    static String id(ObjectNode body, String name, String alias) {
        JsonNode v = body.hasNonNull(name) ? body.get(name) : body.get(alias);
        String field = body.hasNonNull(name) ? name : alias;
        if (v == null || v.isNull()) {
            throw ApiException.badRequest(name, "is required (the id of the " + name + ")");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw ApiException.badRequest(field, "must be an id (a string), found " + Call.describe(v));
        }
        return v.asText();
    }

    /** An optional boolean field (false when absent or null); anything else is a 400. */
    static boolean flag(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest(name, "must be true or false, found " + Call.describe(v));
        }
        return v.asBoolean();
    }

    /** The records of a request: 1 to {@code maxRecords} JSON objects. */
    List<ObjectNode> records(ObjectNode body) {
        JsonNode records = body.get("records");
        if (records == null || records.isNull()) {
            throw ApiException.badRequest("records", "is required (a list of 1 to " + api.config().maxRecords + " records)");
        }
        if (!records.isArray()) {
            throw ApiException.badRequest("records", "must be a list of records, found " + Call.describe(records));
        }
        if (records.isEmpty()) {
            throw ApiException.badRequest("records", "is empty; send 1 to " + api.config().maxRecords + " records");
        }
        if (records.size() > api.config().maxRecords) {
            throw ApiException.badRequest("records", "has " + records.size() + " records, over the limit of "
                    + api.config().maxRecords + " per request (send more with an async request)");
        }
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (!(records.get(i) instanceof ObjectNode o)) {
                throw ApiException.badRequest("records[" + i + "]", "must be an object with _url or _base64, found "
                        + Call.describe(records.get(i)));
            }
            out.add(o);
        }
        return out;
    }
}
