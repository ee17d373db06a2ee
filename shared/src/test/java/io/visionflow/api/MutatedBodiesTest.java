package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.visionflow.api.ApiHarness.JSON;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Valid bodies of every JSON endpoint with one value swapped for a value of another type (seeded,
 * so a failure replays): never a 5xx, always the envelope, and a rejected request stores nothing.
 */
class MutatedBodiesTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static ApiHarness h;
    private static final List<String[]> VALID = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        h = new ApiHarness();
        String colourModel = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
        String grid = h.uploadModel(TOKEN_A, ApiHarness.testModel("grid_detector.onnx"));
        String colour = h.classifier(TOKEN_A, colourModel, "colour", "red", "green", "blue");
        String garment = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx")), "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx")), "sleeve", "short", "long");
        String vehiclesBody = """
                {"name": "vehicles", "labels": ["Car", "Truck"], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64, "resize": "stretch", "mean": [0, 0, 0], "std": [1, 1, 1]},
                 "output": {"decoder": "yolo", "objectness": true, "nms_iou": 0.5}}}""".formatted(grid);
        String vehicles = h.expect(201, "POST", "/detection/v2/task/", TOKEN_A, vehiclesBody).get("id").asText();
        String flowBody = ApiHarness.fashion(garment, sleeve, colour);
        String flow = h.flow(TOKEN_A, flowBody);
        String img = ApiHarness.record(ApiHarness.plain(Color.RED, 16, 16));
        String selector = """
                {"name": "cars", "image_size": 256, "top_node": {"type": "object_selector", "id": "sel", "task": "%s",
                 "output_field": "cars", "min_prob": 0.5, "min_area": 0.01, "labels": ["Car"], "padding": 2,
                 "action": {"type": "recognition", "id": "c", "task": "%s", "output_field": "colour", "top_k": 2}}}"""
                .formatted(vehicles, colour);
        VALID.add(new String[] {"POST", "/flows/v2/flow/", flowBody});
        VALID.add(new String[] {"POST", "/flows/v2/flow/", selector});
        VALID.add(new String[] {"PUT", "/flows/v2/flow/" + flow, flowBody});
        VALID.add(new String[] {"PATCH", "/flows/v2/flow/" + flow, "{\"description\": \"d\", \"image_size\": 128}"});
        VALID.add(new String[] {"POST", "/flows/v2/process", "{\"flow\": \"" + flow + "\", \"records\": [" + img + ", {\"_id\": \"x\", \"_base64\": \"AAAA\"}]}"});
        VALID.add(new String[] {"POST", "/recognition/v2/classify", "{\"task\": \"" + colour + "\", \"records\": [" + img + "]}"});
        VALID.add(new String[] {"POST", "/detection/v2/detect", "{\"task\": \"" + vehicles + "\", \"keep_prob\": 0.4, \"records\": [" + img + "]}"});
        VALID.add(new String[] {"POST", "/detection/v2/task/", vehiclesBody});
        VALID.add(new String[] {"PUT", "/detection/v2/task/" + vehicles, vehiclesBody});
        VALID.add(new String[] {"PATCH", "/recognition/v2/task/" + colour, "{\"labels\": [\"red\", {\"name\": \"green\"}, \"blue\"], \"backend\": {\"output\": {\"decoder\": \"classifier\"}}}"});
        VALID.add(new String[] {"POST", "/recognition/v2/task/", "{\"name\": \"remote\", \"labels\": [\"a\"], \"backend\": "
                + "{\"kind\": \"http\", \"url\": \"https://x.example/c\", \"headers\": {\"X-Key\": \"k\"}, \"task\": \"t\"}}"});
        VALID.add(new String[] {"POST", "/authorization/v2/authorize", "{\"service\": \"flows\"}"});
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    private static JsonNode randomValue(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> F.nullNode();
            case 1 -> F.numberNode(r.nextInt(2000) - 1000);
            case 2 -> F.numberNode(1e300);
            case 3 -> F.numberNode(-0.5);
            case 4 -> F.textNode("");
            case 5 -> F.textNode("x".repeat(r.nextInt(300)));
            case 6 -> F.booleanNode(r.nextBoolean());
            case 7 -> F.arrayNode();
            case 8 -> F.arrayNode().add(F.nullNode()).add(7);
            case 9 -> F.objectNode();
            case 10 -> F.objectNode().put("type", "list").put("id", "a");
            default -> F.numberNode(Long.MAX_VALUE);
        };
    }

    /** Every value node of a tree, with its parent, so one can be replaced or removed. */
    private static void containers(JsonNode node, List<ContainerNode<?>> out) {
        if (node instanceof ContainerNode<?> c) {
            out.add(c);
            node.forEach(child -> containers(child, out));
        }
    }

    private static void mutate(JsonNode root, Random r) {
        List<ContainerNode<?>> all = new ArrayList<>();
        containers(root, all);
        ContainerNode<?> c = all.get(r.nextInt(all.size()));
        if (c.isEmpty()) {
            if (c instanceof ObjectNode o) {
                o.set("extra", randomValue(r));
            } else {
                ((ArrayNode) c).add(randomValue(r));
            }
            return;
        }
        if (c instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            String name = names.get(r.nextInt(names.size()));
            if (r.nextInt(4) == 0) {
                o.remove(name);
            } else {
                o.set(name, randomValue(r));
            }
        } else {
            ArrayNode a = (ArrayNode) c;
            a.set(r.nextInt(a.size()), randomValue(r));
        }
    }

    @Test
    void oneWrongValueNeverBreaksTheServer() throws Exception {
        Random r = new Random(Long.getLong("mutations.seed", 20261125));
        for (int i = 0; i < Integer.getInteger("mutations.count", 600); i++) {
            String[] base = VALID.get(i % VALID.size());
            JsonNode body = JSON.readTree(base[2]);
            for (int m = 0; m <= r.nextInt(3); m++) {
                mutate(body, r);
            }
            ApiHarness.Snapshot before = h.snapshot();
            ApiResponse res = h.call(base[0], base[1], TOKEN_A, body.toString());
            String what = "#" + i + " " + base[0] + " " + base[1] + " " + body + " -> " + res.bodyText();
            assertThat(res.status()).as(what).isLessThan(500);
            JsonNode out = res.body().length == 0 ? null : res.bodyJson();
            if (res.status() >= 400) {
                assertThat(out.at("/status/code").asInt()).as(what).isEqualTo(res.status());
                assertThat(out.at("/status/detail").asText()).as(what).isNotBlank();
                assertThat(res.bodyText()).as(what).doesNotContain("Exception", "io.visionflow.", "com.fasterxml");
                assertThat(h.snapshot()).as(what).isEqualTo(before);
            }
        }
    }
}
