package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.flow.Problem;
import io.visionflow.service.BuiltinServices;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.onnx.DirectoryModelSource;
import io.visionflow.task.onnx.Preprocessing;
import io.visionflow.task.onnx.PretrainedModels;
import io.visionflow.task.onnx.YoloOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in services inside flows: run per crop after an object selector, charged from the price table. */
class BuiltinServicesInFlowsTest {
    private static BackendRunners runners;
    private static BuiltinServices services;
    private static final Task VEHICLES = new Task("vehicles", "vehicles", TaskKind.DETECTION,
            List.of(new Label("l0", "Car"), new Label("l1", "Truck")),
            new OnnxBackend("grid_detector.onnx", Preprocessing.fixed(64, 64), new YoloOutput("detections", false, true, 0.5)));
    private final Map<String, FlowDefinition> flows = new HashMap<>();

    @BeforeAll
    static void open() throws Exception {
        Path testModels = Path.of(BuiltinServicesInFlowsTest.class.getResource("/models").toURI());
        runners = new BackendRunners(new DirectoryModelSource(testModels));
        services = BuiltinServices.open(PretrainedModels.modelSource());
    }

    @AfterAll
    static void close() {
        services.close();
        runners.close();
    }

    private Engine engine() {
        return Engine.create(c -> {
            c.tasks = id -> id.equals("vehicles") ? Optional.of(VEHICLES) : Optional.empty();
            c.flows = id -> Optional.ofNullable(flows.get(id));
            c.runners = runners;
            c.services = services.catalog();
            c.loader = Harness.LOADER;
        });
    }

    @Test
    void eachServiceRunsOnEveryCropAndIsChargedItsPriceOncePerCall() throws Exception {
        try (Engine engine = engine()) {
            FlowValidator.Validation v = engine.validate(Harness.parse("""
                    {"name": "per crop", "top_node": {"type": "object_selector", "task": "vehicles", "min_prob": 0.5,
                     "action": {"type": "list", "actions": [
                       {"type": "service", "id": "colours", "service": "dominant_colors", "output_field": "colours", "params": {"count": 2}},
                       {"type": "service", "id": "cutout", "service": "remove_background", "output_field": "cutout", "params": {"output": "mask"}},
                       {"type": "service", "id": "bigger", "service": "upscale", "output_field": "bigger", "params": {"factor": 2}},
                       {"type": "service", "id": "text", "service": "read_text", "output_field": "text"}]}}}"""), "f");
            assertThat(v.problems()).isEmpty();
            flows.put("f", v.definition());
            BufferedImage twoTrucks = Pictures.blocks(128, 128, Color.BLUE, 0, 0, 64, 64, Color.BLUE, 64, 64, 64, 64);
            RunResult r = engine.process("f", List.of(Harness.record(twoTrucks)));
            JsonNode objects = r.records().get(0).get("_objects");
            assertThat(objects).hasSize(2);
            for (JsonNode o : objects) {
                assertThat(o.at("/colours/colors/0/rgb_hex_color").asText()).isEqualTo("#0000FF");
                assertThat(o.at("/cutout/mask").asText()).startsWith("data:image/png;base64,");
                assertThat(o.at("/bigger/width").asInt()).isEqualTo(2 * o.at("/bound_box/2").asInt() - 2 * o.at("/bound_box/0").asInt());
                assertThat(o.at("/text/lines")).isEmpty();
            }
            assertThat(r.creditsByAction()).containsEntry("colours", 2 * PriceTable.service("dominant_colors"))
                    .containsEntry("cutout", 2 * PriceTable.service("remove_background"))
                    .containsEntry("bigger", 2 * PriceTable.service("upscale"))
                    .containsEntry("text", 2 * PriceTable.service("read_text"));
            assertThat(r.credits()).isEqualTo(1 + 2 * (1 + 3 + 2 + 2));
        }
    }

    @Test
    void badServiceParamsAreReportedWithTheirJsonPathAtSaveTime() {
        try (Engine engine = engine()) {
            FlowValidator.Validation v = engine.validate(Harness.parse("""
                    {"name": "bad", "top_node": {"type": "list", "actions": [
                      {"type": "service", "id": "a", "service": "dominant_colors", "output_field": "a", "params": {"count": "five"}},
                      {"type": "service", "id": "b", "service": "upscale", "output_field": "b", "params": {"factor": 3, "method": "onnx"}},
                      {"type": "service", "id": "c", "service": "remove_background", "output_field": "c", "params": {"output": "both"}}]}}"""), null);
            assertThat(v.problems()).extracting(Problem::path).containsExactlyInAnyOrder(
                    "top_node.actions[0].params.count", "top_node.actions[1].params.factor", "top_node.actions[1].params.model");
            assertThat(v.problems().get(0).message()).contains("\"five\"", "1 to 12");
        }
    }
}
