package io.visionflow.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.task.Label;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of validation problem, reported with its JSON path. */
class FlowValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Task> tasks = new HashMap<>();
    private final Map<String, FlowDefinition> flows = new HashMap<>();

    FlowValidatorTest() {
        tasks.put("garment", new Task("garment", "garment", TaskKind.CLASSIFICATION,
                List.of(new Label("l1", "Pants"), new Label("l2", "Shirt")), null));
        tasks.put("sleeve", new Task("sleeve", "sleeve", TaskKind.CLASSIFICATION,
                List.of(new Label("s1", "short"), new Label("s2", "long")), null));
        tasks.put("vehicles", new Task("vehicles", "vehicles", TaskKind.DETECTION,
                List.of(new Label("v1", "Car"), new Label("v2", "Truck")), null));
    }

    private FlowValidator validator() {
        return new FlowValidator(id -> Optional.ofNullable(tasks.get(id)), id -> Optional.ofNullable(flows.get(id)),
                Set.of("dominant_colors"), FlowValidator.Limits.defaults());
    }

    private List<Problem> problems(String json) {
        return problems(json, null);
    }

    private List<Problem> problems(String json, String selfId) {
        try {
            return validator().validate(JSON.readTree(json), selfId).problems();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void saveFlow(String id, String json) throws Exception {
        FlowValidator.Validation v = validator().validate(JSON.readTree(json), id);
        assertThat(v.problems()).isEmpty();
        flows.put(id, v.definition());
    }

    @Test
    void aValidFlowHasNoProblemsAndGetsIdsForEveryNode() throws Exception {
        FlowValidator.Validation v = validator().validate(JSON.readTree("""
                {"name": "fashion", "description": "d", "top_node": {"type": "branch_selector", "task": "garment",
                  "field": "category", "branches": [
                    {"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "sleeve"}},
                    {"label": "Pants", "action": {"type": "list", "id": "list-1", "actions": []}}]}}"""), null);
        assertThat(v.problems()).isEmpty();
        JsonNode written = FlowJson.write(v.definition());
        assertThat(written.at("/top_node/id").asText()).isEqualTo("branch_selector-1");
        assertThat(written.at("/top_node/branches/0/action/id").asText()).isEqualTo("recognition-2");
        assertThat(written.at("/top_node/branches/1/action/id").asText()).isEqualTo("list-1");
        assertThat(written.findValues("type")).allMatch(JsonNode::isTextual);
        // writing and parsing again gives the same definition
        assertThat(FlowParser.parse(written).definition()).isEqualTo(v.definition());
    }

    @Test
    void retryAndTimeoutAreReadCheckedAndWrittenBackOnlyWhenGiven() throws Exception {
        FlowValidator.Validation v = validator().validate(JSON.readTree("""
                {"name": "r", "top_node": {"type": "list", "id": "all", "actions": [
                  {"type": "recognition", "id": "g", "task": "garment", "output_field": "g", "timeout_ms": 2000,
                   "retry": {"max_attempts": 4, "backoff": 100, "max_delay": 1000, "on": ["server_error"]}},
                  {"type": "detection", "id": "v", "task": "vehicles", "output_field": "v", "retry": {}}]}}"""), null);
        assertThat(v.problems()).isEmpty();
        ListAction top = (ListAction) v.definition().topNode();
        assertThat(top.policy()).isEqualTo(CallPolicy.NONE);
        assertThat(top.actions().get(0).policy()).isEqualTo(new CallPolicy(
                new CallPolicy.Retry(4, 100, 1000, Set.of(CallPolicy.On.SERVER_ERROR)), 2000));
        // the defaults: 3 attempts, 200 ms doubling up to 5 s, on timeouts and server errors
        assertThat(top.actions().get(1).policy()).isEqualTo(new CallPolicy(new CallPolicy.Retry(3, 200, 5000,
                Set.of(CallPolicy.On.TIMEOUT, CallPolicy.On.SERVER_ERROR)), null));
        JsonNode written = FlowJson.write(v.definition());
        assertThat(written.at("/top_node").has("retry")).isFalse();
        assertThat(written.at("/top_node").has("timeout_ms")).isFalse();
        assertThat(written.at("/top_node/actions/1/retry").toString())
                .isEqualTo("{\"max_attempts\":3,\"backoff\":200,\"max_delay\":5000,\"on\":[\"timeout\",\"server_error\"]}");
        assertThat(FlowParser.parse(written).definition()).isEqualTo(v.definition());
    }

    @Test
    void nonsenseRetryAndTimeoutValuesAreNamedWithTheirPaths() {
        List<Problem> p = problems("""
                {"name": "r", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "garment", "output_field": "a", "timeout_ms": 0,
                   "retry": {"max_attempts": 0, "backoff": -5, "max_delay": 1.5, "on": ["timeout", "oops", "timeout"], "jitter": 1}},
                  {"type": "recognition", "task": "garment", "output_field": "b", "timeout_ms": "soon",
                   "retry": {"backoff": 2000, "max_delay": 1000, "on": []}},
                  {"type": "recognition", "task": "garment", "output_field": "c", "retry": 3, "timeout_ms": 600001}]}}""");
        assertThat(p).extracting(Problem::path).containsExactlyInAnyOrder(
                "top_node.actions[0].timeout_ms",
                "top_node.actions[0].retry.jitter",
                "top_node.actions[0].retry.max_attempts",
                "top_node.actions[0].retry.backoff",
                "top_node.actions[0].retry.max_delay",
                "top_node.actions[0].retry.on[1]",
                "top_node.actions[0].retry.on[2]",
                "top_node.actions[1].timeout_ms",
                "top_node.actions[1].retry.max_delay",
                "top_node.actions[1].retry.on",
                "top_node.actions[2].retry",
                "top_node.actions[2].timeout_ms");
        assertThat(p).filteredOn(x -> x.path().equals("top_node.actions[1].retry.max_delay")).singleElement()
                .extracting(Problem::message).asString().contains("at least backoff (2000 ms)");
        assertThat(p).filteredOn(x -> x.path().equals("top_node.actions[0].retry.on[1]")).singleElement()
                .extracting(Problem::message).asString().contains("\"timeout\" or \"server_error\"");
    }

    @Test
    void reportsEveryProblemAtOnceWithItsPath() {
        List<Problem> p = problems("""
                {"name": "x", "colour": 1, "top_node": {"type": "list", "mode": "zigzag", "actions": [
                  {"type": "recognition", "task": "nope", "output_field": "a", "extra": true},
                  {"type": "recognition", "task": "vehicles", "output_field": "b"},
                  {"type": "branch_selector", "task": "garment", "field": "c",
                   "branches": [{"label": "Hat", "action": {"type": "teleport"}}]},
                  {"type": "detection", "task": "garment", "keep_prob": 2}
                ]}}""");
        assertThat(p).extracting(Problem::path).contains(
                "colour",
                "top_node.mode",
                "top_node.actions[0].extra",
                "top_node.actions[0].task",
                "top_node.actions[1].task",
                "top_node.actions[2].branches[0].label",
                "top_node.actions[2].branches[0].action.type",
                "top_node.actions[3].keep_prob",
                "top_node.actions[3].task");
        assertThat(p).anySatisfy(x -> assertThat(x.toString()).isEqualTo(
                "top_node.actions[2].branches[0].label: \"Hat\" is not a label of task \"garment\" (labels: Pants, Shirt)"));
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("no task with id \"nope\""));
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("is a detection task; recognition needs a classification task"));
    }

    @Test
    void missingAndWrongKindsOfFields() {
        assertThat(problems("""
                {"top_node": {"type": "recognition", "task": 5}}""")).extracting(Problem::toString).contains(
                "name: is required",
                "top_node.task: must be a non-empty string, found the number 5",
                "top_node.output_field: is required");
        assertThat(problems("{\"name\": \"n\"}")).extracting(Problem::toString).containsExactly("top_node: is required");
        assertThat(problems("[1, 2]")).extracting(Problem::message).containsExactly("a flow must be a JSON object, found a list");
        assertThat(problems("""
                {"name": "n", "image_size": "big", "top_node": {"type": "object_selector", "task": "vehicles",
                 "padding": -1, "min_area": "lots", "labels": "Car", "branches": {}}}""")).extracting(Problem::path)
                .containsExactlyInAnyOrder("image_size", "top_node.padding", "top_node.min_area", "top_node.labels", "top_node.branches");
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "recognition", "task": "garment", "output_field": "x", "top_k": 0}}"""))
                .extracting(Problem::path).containsExactly("top_node.top_k");
        assertThat(problems("""
                {"name": "n", "top_node": {"id": "t"}}""")).extracting(Problem::path).containsExactly("top_node.type");
    }

    @Test
    void duplicateIdsAndDuplicateBranchLabels() {
        List<Problem> p = problems("""
                {"name": "n", "top_node": {"type": "list", "id": "same", "actions": [
                  {"type": "recognition", "id": "same", "task": "garment", "output_field": "a"},
                  {"type": "branch_selector", "task": "garment", "field": "f", "branches": [
                    {"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "s"}},
                    {"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "t"}}]}]}}""");
        assertThat(p).extracting(Problem::toString).contains(
                "top_node.actions[0].id: \"same\" is already the id of top_node",
                "top_node.actions[1].branches[1].label: \"Shirt\" has more than one branch");
    }

    @Test
    void outputFieldsThatCollideInOneScope() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "garment", "output_field": "a"},
                  {"type": "recognition", "task": "sleeve", "output_field": "a"}]}}""")).extracting(Problem::toString)
                .containsExactly("top_node.actions[1].output_field: output field \"a\" is also written by "
                        + "top_node.actions[0].output_field, which may run at the same time");
        // exclusive branches of a best-mode selector may reuse a field...
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "branch_selector", "task": "garment", "field": "f", "branches": [
                    {"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "s"}},
                    {"label": "Pants", "action": {"type": "recognition", "task": "sleeve", "output_field": "s"}}]}}""")).isEmpty();
        // ...threshold-mode branches may not: they can run together
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "branch_selector", "task": "garment", "field": "f", "mode": "threshold",
                  "branches": [
                    {"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "s"}},
                    {"label": "Pants", "action": {"type": "recognition", "task": "sleeve", "output_field": "s"}}]}}"""))
                .extracting(Problem::path).containsExactly("top_node.branches[1].action.output_field");
        // objects are scopes of their own, but the record fields of the engine are reserved
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "garment", "output_field": "colour"},
                  {"type": "recognition", "task": "garment", "output_field": "_status"},
                  {"type": "object_selector", "task": "vehicles", "output_field": "cars",
                   "action": {"type": "list", "actions": [
                     {"type": "recognition", "task": "garment", "output_field": "colour"},
                     {"type": "recognition", "task": "sleeve", "output_field": "bound_box"}]},
                   "branches": [{"label": "Car", "action": {"type": "recognition", "task": "sleeve", "output_field": "colour"}}]}]}}"""))
                .extracting(Problem::path).containsExactlyInAnyOrder(
                        "top_node.actions[1].output_field",
                        "top_node.actions[2].action.actions[1].output_field",
                        "top_node.actions[2].branches[0].action.output_field");
    }

    @Test
    void theDefaultOfAThresholdSelectorMayReuseABranchField() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "branch_selector", "task": "garment", "field": "f", "mode": "threshold",
                  "branches": [{"label": "Shirt", "action": {"type": "recognition", "task": "sleeve", "output_field": "x"}}],
                  "default": {"type": "recognition", "task": "sleeve", "output_field": "x"}}}""")).isEmpty();
    }

    @Test
    void aSelectorMayReadTheLabelOfAnEarlierSelectorOnlyInTheSameMode() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "list", "mode": "sequence", "actions": [
                  {"type": "branch_selector", "task": "garment", "field": "f", "branches": []},
                  {"type": "branch_selector", "task": "garment", "field": "f", "branches": []}]}}""")).isEmpty();
        // a threshold selector writes a list, which a best-mode selector cannot take as its label
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "list", "mode": "sequence", "actions": [
                  {"type": "branch_selector", "task": "garment", "field": "f", "mode": "threshold", "branches": []},
                  {"type": "branch_selector", "task": "garment", "field": "f", "branches": []}]}}"""))
                .extracting(Problem::path).containsExactly("top_node.actions[1].field");
    }

    @Test
    void objectSelectorLabelsMustBelongToTheDetector() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "object_selector", "task": "vehicles", "labels": ["Car", "Boat"],
                  "branches": [{"label": "Truck", "action": {"type": "recognition", "task": "garment", "output_field": "g"}}]}}"""))
                .extracting(Problem::path).containsExactlyInAnyOrder("top_node.labels[1]", "top_node.branches[0].label");
    }

    @Test
    void nestedFlowsMustExistAndNotFormCycles() throws Exception {
        saveFlow("a", """
                {"name": "a", "top_node": {"type": "recognition", "task": "garment", "output_field": "g"}}""");
        saveFlow("b", """
                {"name": "b", "top_node": {"type": "flow", "flow": "a"}}""");
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "flow", "flow": "missing"}}""")).extracting(Problem::toString)
                .containsExactly("top_node.flow: no flow with id \"missing\"");
        // saving "a" so that it nests "b", which nests "a"
        assertThat(problems("""
                {"name": "a", "top_node": {"type": "flow", "flow": "b"}}""", "a")).extracting(Problem::toString)
                .containsExactly("top_node: nested flow \"b\" is not valid here: top_node.flow: nesting cycle: a → b → a");
        assertThat(problems("""
                {"name": "a", "top_node": {"type": "flow", "flow": "a"}}""", "a")).extracting(Problem::path)
                .containsExactly("top_node.flow");
        // fields of a nested flow collide with the outer ones
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "sleeve", "output_field": "g"}, {"type": "flow", "id": "nest", "flow": "b"}]}}"""))
                .singleElement().satisfies(p -> {
                    assertThat(p.path()).isEqualTo("top_node.actions[1]");
                    assertThat(p.message()).contains("nested flow \"b\"", "output field \"g\"");
                });
    }

    @Test
    void aNestedFlowWhoseTaskWasDeletedMakesTheOuterFlowInvalid() throws Exception {
        saveFlow("inner", """
                {"name": "inner", "top_node": {"type": "recognition", "task": "sleeve", "output_field": "s"}}""");
        tasks.remove("sleeve");
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "flow", "flow": "inner"}}""")).singleElement()
                .satisfies(p -> assertThat(p.toString()).contains("top_node: nested flow \"inner\"", "no task with id \"sleeve\""));
    }

    @Test
    void depthAndSizeLimits() {
        StringBuilder deep = new StringBuilder();
        int levels = 20;
        for (int i = 0; i < levels; i++) {
            deep.append("{\"type\": \"list\", \"actions\": [");
        }
        deep.append("{\"type\": \"recognition\", \"task\": \"garment\", \"output_field\": \"x\"}");
        deep.append("]}".repeat(levels));
        assertThat(problems("{\"name\": \"n\", \"top_node\": " + deep + "}")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("over the limit of 16"));
        // nesting so deep that parsing stops before recursing further
        String tooDeep = "{\"type\": \"list\", \"actions\": [".repeat(200) + "]}".repeat(200);
        assertThat(problems("{\"name\": \"n\", \"top_node\": " + tooDeep + "}"))
                .anySatisfy(p -> assertThat(p.message()).contains("nested deeper than 64"));
    }

    @Test
    void unknownServicesAreRejected() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "service", "service": "teleport", "output_field": "t"}}""")).singleElement()
                .satisfies(p -> assertThat(p.toString()).isEqualTo(
                        "top_node.service: unknown service \"teleport\" (available: dominant_colors)"));
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "service", "service": "dominant_colors", "params": {"count": 3}}}""")).isEmpty();
    }

    @Test
    void thresholdOnlyWithThresholdMode() {
        assertThat(problems("""
                {"name": "n", "top_node": {"type": "branch_selector", "task": "garment", "field": "f", "threshold": 0.4,
                  "branches": []}}""")).extracting(Problem::path).containsExactly("top_node.threshold");
    }
}
