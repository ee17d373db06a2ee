package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/** Tasks through the API: their entity, updates that re-validate flows, deletes that flows block. */
class TasksEndpointsTest {
    private final ApiHarness h = new ApiHarness();
    private String brightness;
    private String topBottom;
    private String meanColour;

    @BeforeEach
    void models() {
        brightness = h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx"));
        topBottom = h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx"));
        meanColour = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private String process(String flow) {
        return "{\"flow\": \"" + flow + "\", \"records\": [" + ApiHarness.record(ApiHarness.plain(Color.WHITE, 40, 40)) + "]}";
    }

    @Test
    void createGetListAndTheOtherKindsPathIsNotFound() {
        String id = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        JsonNode task = h.ok("GET", "/recognition/v2/task/" + id, TOKEN_A, null);
        assertThat(task.get("name").asText()).isEqualTo("garment");
        assertThat(task.get("type").asText()).isEqualTo("classification");
        assertThat(task.get("version").asInt()).isEqualTo(1);
        assertThat(task.at("/labels/1/name").asText()).isEqualTo("Shirt");
        assertThat(task.at("/backend/kind").asText()).isEqualTo("onnx");
        assertThat(task.at("/backend/model").asText()).isEqualTo(brightness);
        assertThat(task.at("/backend/preprocessing/width").asInt()).isEqualTo(32);
        assertThat(h.call("GET", "/detection/v2/task/" + id, TOKEN_A, null).status()).isEqualTo(404);
        assertThat(h.call("DELETE", "/detection/v2/task/" + id, TOKEN_A, null).status()).isEqualTo(404);

        for (int i = 0; i < 11; i++) {
            h.classifier(TOKEN_A, meanColour, "colour " + i, "red", "green", "blue");
        }
        JsonNode page1 = h.ok("GET", "/recognition/v2/task/", TOKEN_A, null);
        assertThat(page1.get("count").asInt()).isEqualTo(12);
        assertThat(page1.get("results")).hasSize(10);
        assertThat(page1.get("next").asText()).isEqualTo("/recognition/v2/task/?page=2");
        assertThat(page1.get("previous").isNull()).isTrue();
        JsonNode page2 = h.ok("GET", "/recognition/v2/task?page=2", TOKEN_A, null);
        assertThat(page2.get("results")).hasSize(2);
        assertThat(page2.get("next").isNull()).isTrue();
        assertThat(h.ok("GET", "/detection/v2/task/", TOKEN_A, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/recognition/v2/task/", TOKEN_B, null).get("count").asInt()).isZero();
    }

    @Test
    void productionVersionIsTheCurrentVersionAndSingleTaskCallsTakeTheClientsBody() {
        String colour = h.classifier(TOKEN_A, meanColour, "colour", "red", "green", "blue");
        JsonNode task = h.ok("GET", "/recognition/v2/task/" + colour, TOKEN_A, null);
        assertThat(task.get("production_version").isInt()).isTrue();
        assertThat(task.get("production_version").asInt()).isEqualTo(1);
        String img = ApiHarness.record(ApiHarness.plain(Color.RED, 16, 16));
        // what Ximilar's Task.classify posts: version null, store_images and workspace when it has them
        JsonNode classified = h.ok("POST", "/recognition/v2/classify/", TOKEN_A, "{\"records\": [" + img + "], \"task_id\": \""
                + colour + "\", \"version\": null, \"store_images\": true, \"workspace\": \"" + ApiHarness.A + "\"}");
        assertThat(classified.at("/records/0/best_label/name").asText()).isEqualTo("red");
        h.ok("POST", "/recognition/v2/classify", TOKEN_A, "{\"records\": [" + img + "], \"task_id\": \"" + colour + "\", \"version\": 1}");

        // PATCH (the entity merged with the change) and PUT of a GET answer take production_version back
        JsonNode patched = h.ok("PATCH", "/recognition/v2/task/" + colour, TOKEN_A, "{\"name\": \"colours\"}");
        assertThat(patched.get("production_version").asInt()).isEqualTo(2);
        assertThat(h.ok("PUT", "/recognition/v2/task/" + colour, TOKEN_A, patched.toString()).get("production_version").asInt())
                .isEqualTo(3);

        // another version is not kept: a conflict that names the current one, and nothing is charged
        int before = h.ok("GET", "/account/v2/usage", TOKEN_A, null).get("total").asInt();
        JsonNode stale = h.expect(409, "POST", "/recognition/v2/classify", TOKEN_A,
                "{\"records\": [" + img + "], \"task_id\": \"" + colour + "\", \"version\": 1}");
        assertThat(stale.at("/status/detail").asText()).contains("version 3");
        assertThat(h.ok("GET", "/account/v2/usage", TOKEN_A, null).get("total").asInt()).isEqualTo(before);
        for (String bad : List.of("\"3\"", "1.5", "0", "true")) {
            JsonNode r = h.expect(400, "POST", "/recognition/v2/classify", TOKEN_A,
                    "{\"records\": [" + img + "], \"task_id\": \"" + colour + "\", \"version\": " + bad + "}");
            assertThat(r.at("/status/errors/0/path").asText()).as(bad).isEqualTo("version");
        }
        JsonNode flag = h.expect(400, "POST", "/recognition/v2/classify", TOKEN_A,
                "{\"records\": [" + img + "], \"task_id\": \"" + colour + "\", \"store_images\": \"yes\"}");
        assertThat(flag.at("/status/errors/0/path").asText()).isEqualTo("store_images");
    }

    @Test
    void labelsAreListedPerTaskPaginatedAndSearchable() {
        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String colour = h.classifier(TOKEN_A, meanColour, "colour", "red", "green", "blue");
        String vehicles = h.expect(201, "POST", "/detection/v2/task/", TOKEN_A, """
                {"name": "vehicles", "labels": ["Car", "Truck"], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "objectness": true}}}"""
                .formatted(h.uploadModel(TOKEN_A, ApiHarness.testModel("grid_detector.onnx")))).get("id").asText();

        JsonNode task = h.ok("GET", "/recognition/v2/task/" + garment, TOKEN_A, null);
        JsonNode ofGarment = h.ok("GET", "/recognition/v2/label/?task=" + garment, TOKEN_A, null);
        assertThat(ofGarment.get("count").asInt()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(ofGarment.at("/results/" + i + "/id")).isEqualTo(task.at("/labels/" + i + "/id"));
            assertThat(ofGarment.at("/results/" + i + "/name")).isEqualTo(task.at("/labels/" + i + "/name"));
            assertThat(ofGarment.at("/results/" + i + "/task").asText()).isEqualTo(garment);
        }
        JsonNode all = h.ok("GET", "/recognition/v2/label?page_size=2", TOKEN_A, null);
        assertThat(all.get("count").asInt()).isEqualTo(5);
        assertThat(all.get("next").asText()).isEqualTo("/recognition/v2/label?page=2&page_size=2");
        // the next page keeps the filters
        JsonNode first = h.ok("GET", "/recognition/v2/label/?task=" + colour + "&page_size=1", TOKEN_A, null);
        assertThat(first.get("next").asText()).isEqualTo("/recognition/v2/label/?page=2&page_size=1&task=" + colour);
        assertThat(h.ok("GET", first.get("next").asText(), TOKEN_A, null).at("/results/0/name").asText()).isEqualTo("green");
        JsonNode found = h.ok("GET", "/recognition/v2/label/?search=RE", TOKEN_A, null);
        assertThat(found.findValuesAsText("name")).containsExactly("red", "green");

        JsonNode boxes = h.ok("GET", "/detection/v2/label/?task=" + vehicles, TOKEN_A, null);
        assertThat(boxes.findValuesAsText("name")).containsExactly("Car", "Truck");
        assertThat(boxes.at("/results/0/color").asText()).matches("#[0-9A-F]{6}");
        assertThat(h.ok("GET", "/recognition/v2/label/?task=" + vehicles, TOKEN_A, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/detection/v2/label/?task=" + colour, TOKEN_A, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/detection/v2/label/", TOKEN_B, null).get("count").asInt()).isZero();
    }

    @Test
    void httpBackendIsStoredAsGiven() {
        JsonNode task = h.expect(201, "POST", "/recognition/v2/task/", TOKEN_A, """
                {"name": "remote", "labels": ["cat", "dog"], "backend": {"kind": "http", "url": "https://models.example/classify",
                 "headers": {"Authorization": "Token remote"}, "task": "t-1"}}""");
        assertThat(task.at("/backend/kind").asText()).isEqualTo("http");
        assertThat(task.at("/backend/url").asText()).isEqualTo("https://models.example/classify");
        // header values are credentials: answers hide them, and a PUT of an answer keeps them
        assertThat(task.at("/backend/headers/Authorization").asText()).isEqualTo("***");
        assertThat(task.toString()).doesNotContain("Token remote");
        String id = task.get("id").asText();
        h.ok("PUT", "/recognition/v2/task/" + id, TOKEN_A, task.toString().replace("\"remote\"", "\"renamed\""));
        var stored = (io.visionflow.task.HttpBackend) h.stores.tasks().get(ApiHarness.A, id).orElseThrow().task().backend();
        assertThat(stored.headers()).containsEntry("Authorization", "Token remote");
        h.ok("PATCH", "/recognition/v2/task/" + id, TOKEN_A, "{\"backend\": {\"headers\": {\"Authorization\": \"Token new\"}}}");
        stored = (io.visionflow.task.HttpBackend) h.stores.tasks().get(ApiHarness.A, id).orElseThrow().task().backend();
        assertThat(stored.headers()).containsEntry("Authorization", "Token new");
        JsonNode unknown = h.expect(400, "PATCH", "/recognition/v2/task/" + id, TOKEN_A, "{\"backend\": {\"headers\": {\"X-Other\": \"***\"}}}");
        assertThat(unknown.at("/status/errors/0/path").asText()).isEqualTo("backend.headers.X-Other");
    }

    @Test
    void updateKeepsLabelIdsBumpsTheVersionAndInvalidatesFlowsWhoseLabelsVanished() {
        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, topBottom, "sleeve", "short", "long");
        String colour = h.classifier(TOKEN_A, meanColour, "colour", "red", "green", "blue");
        String flow = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        JsonNode before = h.ok("GET", "/recognition/v2/task/" + garment, TOKEN_A, null);

        // PATCH renames Shirt to Top: the flow's branch "Shirt" vanished
        JsonNode patched = h.ok("PATCH", "/recognition/v2/task/" + garment, TOKEN_A, "{\"labels\": [\"Pants\", \"Top\"]}");
        assertThat(patched.get("version").asInt()).isEqualTo(2);
        assertThat(patched.at("/labels/0/id")).isEqualTo(before.at("/labels/0/id"));
        assertThat(patched.at("/labels/1/id")).isNotEqualTo(before.at("/labels/1/id"));
        assertThat(patched.at("/backend/model").asText()).isEqualTo(brightness);
        JsonNode invalid = h.ok("GET", "/flows/v2/flow/" + flow, TOKEN_A, null);
        assertThat(invalid.get("valid").asBoolean()).isFalse();
        assertThat(invalid.get("invalid_reason").asText()).contains("Shirt").contains("branches[0].label");
        JsonNode refused = h.expect(409, "POST", "/flows/v2/process", TOKEN_A, process(flow));
        assertThat(refused.at("/status/detail").asText()).contains("not valid").contains("Shirt");

        // a stale version is a conflict, and nothing changes
        h.expect(409, "PUT", "/recognition/v2/task/" + garment, TOKEN_A, before.toString());
        assertThat(h.ok("GET", "/recognition/v2/task/" + garment, TOKEN_A, null).get("version").asInt()).isEqualTo(2);

        // PUT of the GET answer with Shirt back: the label is back and the flow is valid again
        JsonNode current = h.ok("GET", "/recognition/v2/task/" + garment, TOKEN_A, null);
        String put = current.toString().replace("\"Top\"", "\"Shirt\"");
        assertThat(h.ok("PUT", "/recognition/v2/task/" + garment, TOKEN_A, put).get("version").asInt()).isEqualTo(3);
        assertThat(h.ok("GET", "/flows/v2/flow/" + flow, TOKEN_A, null).get("valid").asBoolean()).isTrue();
        assertThat(h.ok("POST", "/flows/v2/process", TOKEN_A, process(flow)).at("/records/0/fashion_category").asText())
                .isEqualTo("Shirt");

        // PATCH of the backend merges into it
        JsonNode pre = h.ok("PATCH", "/recognition/v2/task/" + garment, TOKEN_A,
                "{\"backend\": {\"output\": {\"decoder\": \"classifier\", \"activation\": \"sigmoid\"}}}");
        assertThat(pre.at("/backend/output/activation").asText()).isEqualTo("sigmoid");
        assertThat(pre.at("/backend/preprocessing/width").asInt()).isEqualTo(32);
    }

    @Test
    void deletingATaskThatFlowsUseNeedsForceAndThenTheirProcessingIsAClear409() {
        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, topBottom, "sleeve", "short", "long");
        String colour = h.classifier(TOKEN_A, meanColour, "colour", "red", "green", "blue");
        String flow = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        String unused = h.classifier(TOKEN_A, meanColour, "unused", "a", "b", "c");

        JsonNode conflict = h.expect(409, "DELETE", "/recognition/v2/task/" + sleeve, TOKEN_A, null);
        assertThat(conflict.at("/status/detail").asText()).contains(flow).contains("\"fashion\"").contains("force=true");
        assertThat(h.ok("GET", "/recognition/v2/task/" + sleeve, TOKEN_A, null).get("id").asText()).isEqualTo(sleeve);
        assertThat(h.ok("GET", "/flows/v2/flow/" + flow, TOKEN_A, null).get("valid").asBoolean()).isTrue();

        h.expect(204, "DELETE", "/recognition/v2/task/" + unused, TOKEN_A, null);
        h.expect(204, "DELETE", "/recognition/v2/task/" + sleeve + "?force=true", TOKEN_A, null);
        h.expect(404, "GET", "/recognition/v2/task/" + sleeve, TOKEN_A, null);
        JsonNode f = h.ok("GET", "/flows/v2/flow/" + flow, TOKEN_A, null);
        assertThat(f.get("valid").asBoolean()).isFalse();
        assertThat(f.get("invalid_reason").asText()).contains(sleeve);
        JsonNode refused = h.expect(409, "POST", "/flows/v2/process", TOKEN_A, process(flow));
        assertThat(refused.at("/status/code").asInt()).isEqualTo(409);
        assertThat(refused.at("/status/detail").asText()).contains("is not valid").contains("no task");
    }

    @Test
    void tenantIsolationEveryOneOfAsIdsIsNotFoundForB() {
        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, topBottom, "sleeve", "short", "long");
        String colour = h.classifier(TOKEN_A, meanColour, "colour", "red", "green", "blue");
        String flow = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        ApiHarness.Snapshot before = h.snapshot();
        String img = ApiHarness.record(ApiHarness.plain(Color.RED, 32, 32));

        List<String[]> calls = new ArrayList<>(List.of(
                new String[] {"GET", "/flows/v2/flow/" + flow, null},
                new String[] {"GET", "/flows/v2/flow/" + flow + "/json", null},
                new String[] {"PUT", "/flows/v2/flow/" + flow, ApiHarness.fashion(garment, sleeve, colour)},
                new String[] {"PATCH", "/flows/v2/flow/" + flow, "{\"name\": \"mine now\"}"},
                new String[] {"DELETE", "/flows/v2/flow/" + flow + "?force=true", null},
                new String[] {"POST", "/flows/v2/process", "{\"flow\": \"" + flow + "\", \"records\": [" + img + "]}"},
                new String[] {"POST", "/recognition/v2/classify", "{\"task\": \"" + colour + "\", \"records\": [" + img + "]}"},
                new String[] {"GET", "/models/v2/model/" + brightness, null}));
        for (String t : List.of(garment, sleeve, colour)) {
            calls.add(new String[] {"GET", "/recognition/v2/task/" + t, null});
            calls.add(new String[] {"PUT", "/recognition/v2/task/" + t, "{\"name\": \"x\", \"labels\": [\"a\"], "
                    + "\"backend\": {\"kind\": \"http\", \"url\": \"https://x.example\"}}"});
            calls.add(new String[] {"PATCH", "/recognition/v2/task/" + t, "{\"name\": \"x\"}"});
            calls.add(new String[] {"DELETE", "/recognition/v2/task/" + t + "?force=true", null});
        }
        for (String[] c : calls) {
            JsonNode r = h.expect(404, c[0], c[1], TOKEN_B, c[2]);
            assertThat(r.at("/status/code").asInt()).isEqualTo(404);
        }
        // B cannot build on A's model or tasks either
        JsonNode model = h.expect(400, "POST", "/recognition/v2/task/", TOKEN_B, "{\"name\": \"steal\", \"labels\": [\"a\", \"b\"], "
                + "\"backend\": {\"kind\": \"onnx\", \"model\": \"" + brightness + "\"}}");
        assertThat(model.at("/status/errors/0/path").asText()).isEqualTo("backend.model");
        assertThat(model.at("/status/errors/0/message").asText()).startsWith("no model");
        JsonNode flowOfB = h.expect(400, "POST", "/flows/v2/flow/", TOKEN_B, ApiHarness.fashion(garment, sleeve, colour));
        assertThat(flowOfB.at("/status/detail").asText()).contains("no task");
        assertThat(h.snapshot()).isEqualTo(before);
        assertThat(h.ok("GET", "/flows/v2/flow/", TOKEN_B, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/account/v2/usage", TOKEN_B, null).get("total").asInt()).isZero();
    }
}
