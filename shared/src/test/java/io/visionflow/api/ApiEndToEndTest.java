package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.onnx.PretrainedModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.Base64;

import static io.visionflow.api.ApiHarness.A;
import static io.visionflow.api.ApiHarness.JSON;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/** The whole path through the API: upload models, register tasks, build a flow, process images, read usage. */
class ApiEndToEndTest {
    private final ApiHarness h = new ApiHarness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void modelToTaskToFlowToProcessToUsage() throws Exception {
        String brightness = h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx"));
        String topBottom = h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx"));
        String meanColour = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
        assertThat(brightness).matches("[0-9a-f]{64}").isNotEqualTo(topBottom);

        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, topBottom, "sleeve", "short", "long");
        String colour = h.classifier(TOKEN_A, meanColour, "pants colour", "red", "green", "blue");
        String flow = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));

        String shirt = ApiHarness.record(ApiHarness.topAndBottom(Color.WHITE, Color.GRAY, 100, 100));
        String pants = ApiHarness.record(ApiHarness.plain(new Color(0, 0, 90), 100, 100));
        String forced = "{\"_base64\": \"" + ApiHarness.png(ApiHarness.plain(new Color(0, 0, 90), 100, 100))
                + "\", \"fashion_category\": \"Shirt\", \"_id\": \"mine\", \"_file\": \"/tmp/x.png\"}";
        JsonNode out = h.ok("POST", "/flows/v2/process", TOKEN_A,
                "{\"flow_id\": \"" + flow + "\", \"records\": [" + shirt + ", " + pants + ", " + forced + "]}");

        JsonNode records = out.get("records");
        assertThat(records.get(0).get("fashion_category").asText()).isEqualTo("Shirt");
        assertThat(records.get(0).at("/sleeve_length/best_label/name").asText()).isEqualTo("short");
        assertThat(records.get(0).has("_base64")).isFalse();
        assertThat(records.get(1).get("fashion_category").asText()).isEqualTo("Pants");
        assertThat(records.get(1).at("/pants_colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(records.get(1).at("/pants_colour/labels")).hasSize(3);
        assertThat(records.get(2).get("_id").asText()).isEqualTo("mine");
        assertThat(records.get(2).has("sleeve_length")).isTrue();
        assertThat(out.at("/status/code").asInt()).isEqualTo(200);
        // 2 + 2 for the classified records, 1 for the forced one
        assertThat(out.at("/statistics/credits").asInt()).isEqualTo(5);

        // a single-task call is billed under "-"
        JsonNode classified = h.ok("POST", "/recognition/v2/classify", TOKEN_A,
                "{\"task_id\": \"" + colour + "\", \"records\": [" + ApiHarness.record(ApiHarness.plain(Color.RED, 32, 32)) + "]}");
        assertThat(classified.at("/records/0/best_label/name").asText()).isEqualTo("red");

        JsonNode usage = h.ok("GET", "/account/v2/usage", TOKEN_A, null);
        assertThat(usage.get("total").asLong()).isEqualTo(6);
        assertThat(usage.get("days")).hasSize(1);
        assertThat(usage.at("/days/0/day").asText()).isEqualTo(LocalDate.now().toString());
        assertThat(usage.at("/days/0/credits").asLong()).isEqualTo(6);
        assertThat(usage.at("/flows/0/flow").asText()).isEqualTo(flow);
        assertThat(usage.at("/flows/0/credits").asLong()).isEqualTo(5);
        assertThat(usage.at("/flows/1/flow").asText()).isEqualTo("-");
        assertThat(usage.get("rows")).hasSize(2);
        assertThat(h.ok("GET", "/account/v2/usage?from=2020-01-01&to=2020-01-31", TOKEN_A, null).get("total").asLong()).isZero();
        assertThat(h.ok("GET", "/account/v2/usage", TOKEN_B, null).get("total").asLong()).isZero();
    }

    @Test
    void pretrainedFaceDetectorUploadedThroughTheApiFindsTheAstronautsFace() throws Exception {
        byte[] model = Files.readAllBytes(PretrainedModels.modelsDir().resolve(PretrainedModels.FACE_MODEL));
        String id = h.uploadModel(TOKEN_A, model);
        Task face = PretrainedModels.faceDetector();
        ObjectNode backend = JSON.valueToTree(face.backend());
        backend.put("model", id);
        ObjectNode body = JSON.createObjectNode().put("name", "faces");
        body.putArray("labels").add("face");
        body.set("backend", backend);
        JsonNode task = h.expect(201, "POST", "/detection/v2/task/", TOKEN_A, body.toString());
        assertThat(task.at("/backend/model").asText()).isEqualTo(id);
        assertThat(task.at("/backend/output/decoder").asText()).isEqualTo("anchors");
        // stored under the blob key, which the runners' model source resolves
        assertThat(((OnnxBackend) h.stores.tasks().get(A, task.get("id").asText()).orElseThrow().task().backend()).model())
                .isEqualTo(A + "/model/" + id);

        byte[] photo;
        try (InputStream in = getClass().getResourceAsStream("/photos/astronaut.jpg")) {
            photo = in.readAllBytes();
        }
        JsonNode out = h.ok("POST", "/detection/v2/detect", TOKEN_A, "{\"task\": \"" + task.get("id").asText()
                + "\", \"keep_prob\": 0.5, \"records\": [{\"_base64\": \"data:image/jpeg;base64,"
                + Base64.getEncoder().encodeToString(photo) + "\"}]}");
        JsonNode objects = out.at("/records/0/_objects");
        assertThat(objects).hasSize(1);
        assertThat(objects.get(0).get("name").asText()).isEqualTo("face");
        double x1 = objects.get(0).at("/bound_box/0").asDouble();
        assertThat(x1).isBetween(155.0, 200.0);
        assertThat(out.at("/statistics/credits").asInt()).isEqualTo(1);
    }

    /** Registers a pretrained task through the API: its model uploaded as multipart, its spec as JSON. */
    private String pretrained(Task t) throws Exception {
        byte[] model = Files.readAllBytes(PretrainedModels.modelsDir().resolve(((OnnxBackend) t.backend()).model()));
        ApiResponse up = h.upload(TOKEN_A, ApiHarness.multipart("vf", "file", "model.onnx", model), "multipart/form-data; boundary=vf");
        assertThat(up.status()).as(up.bodyText()).isEqualTo(201);
        ObjectNode backend = JSON.valueToTree(t.backend());
        backend.put("model", up.bodyJson().get("id").asText());
        ObjectNode body = JSON.createObjectNode().put("name", t.name());
        t.labels().forEach(l -> body.withArray("labels").add(l.name()));
        body.set("backend", backend);
        String path = t.kind() == io.visionflow.task.TaskKind.DETECTION ? "/detection/v2/task/" : "/recognition/v2/task/";
        return h.expect(201, "POST", path, TOKEN_A, body.toString()).get("id").asText();
    }

    @Test
    void pretrainedTextModelsInAnObjectSelectorFlowFindTheUpsideDownLine() throws Exception {
        String lines = pretrained(PretrainedModels.textLineDetector());
        String orientation = pretrained(PretrainedModels.textOrientation());
        String flow = h.flow(TOKEN_A, """
                {"name": "lines", "top_node": {"type": "object_selector", "task": "%s", "output_field": "lines", "padding": 4,
                 "action": {"type": "recognition", "task": "%s", "output_field": "orientation"}}}""".formatted(lines, orientation));
        java.awt.image.BufferedImage page = ApiHarness.plain(Color.WHITE, 900, 330);
        java.awt.Graphics2D g = page.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 48));
        g.drawString("Visionflow joins models", 40, 80);
        java.awt.geom.AffineTransform upright = g.getTransform();
        g.rotate(Math.PI, 450, 170);
        g.drawString("into one endpoint for", 200, 190);
        g.setTransform(upright);
        g.drawString("every image you send", 40, 290);
        g.dispose();

        JsonNode out = h.ok("POST", "/flows/v2/process", TOKEN_A, "{\"flow\": \"" + flow + "\", \"records\": ["
                + ApiHarness.record(page) + "]}");
        java.util.List<JsonNode> found = new java.util.ArrayList<>();
        out.at("/records/0/lines").forEach(found::add);
        found.sort(java.util.Comparator.comparingInt(l -> l.at("/bound_box/1").asInt()));
        assertThat(found).extracting(l -> l.at("/orientation/best_label/name").asText()).containsExactly("0", "180", "0");
        assertThat(out.at("/statistics/credits").asInt()).isEqualTo(4);
        JsonNode usage = h.ok("GET", "/account/v2/usage?from=" + LocalDate.now().minusDays(3) + "&to=" + LocalDate.now(), TOKEN_A, null);
        assertThat(usage.at("/flows/0/flow").asText()).isEqualTo(flow);
        assertThat(usage.at("/flows/0/credits").asInt()).isEqualTo(4);
    }

    @Test
    void gridDetectorAsAYoloTaskFindsTheRedCar() {
        String grid = h.uploadModel(TOKEN_A, ApiHarness.testModel("grid_detector.onnx"));
        JsonNode task = h.expect(201, "POST", "/detection/v2/task", TOKEN_A, """
                {"name": "vehicles", "labels": [{"name": "Car"}, {"name": "Truck"}], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "tensor": "detections", "objectness": true}}}"""
                .formatted(grid));
        assertThat(task.get("type").asText()).isEqualTo("detection");
        assertThat(task.at("/labels/0/name").asText()).isEqualTo("Car");
        assertThat(task.at("/labels/0/id").asText()).isNotBlank();
        java.awt.image.BufferedImage street = ApiHarness.plain(Color.WHITE, 256, 256);
        java.awt.Graphics2D g = street.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(128, 0, 128, 128);
        g.dispose();
        JsonNode out = h.ok("POST", "/detection/v2/detect", TOKEN_A, "{\"task\": \"" + task.get("id").asText()
                + "\", \"records\": [" + ApiHarness.record(street) + "]}");
        assertThat(out.at("/records/0/_objects/0/name").asText()).isEqualTo("Car");
        assertThat(out.at("/records/0/_objects/0/bound_box").toString()).isEqualTo("[128,0,256,128]");
    }

    @Test
    void modelUploadAsMultipartGivesTheSameIdAndDescribesTheTensors() {
        byte[] model = ApiHarness.testModel("mean_colour.onnx");
        String raw = h.uploadModel(TOKEN_A, model);
        ApiResponse r = h.upload(TOKEN_A, ApiHarness.multipart("----vf-boundary-42", "file", "mean.onnx", model),
                "multipart/form-data; boundary=\"----vf-boundary-42\"");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
        JsonNode m = r.bodyJson();
        assertThat(m.get("id").asText()).isEqualTo(raw);
        assertThat(m.get("size").asLong()).isEqualTo(model.length);
        assertThat(m.at("/inputs/0/name").asText()).isEqualTo("image");
        assertThat(m.at("/inputs/0/shape").toString()).isEqualTo("[1,3,32,32]");
        assertThat(m.at("/inputs/0/type").asText()).isEqualTo("float");
        assertThat(m.at("/outputs/0/name").asText()).isEqualTo("logits");
        assertThat(h.ok("GET", "/models/v2/model/" + raw, TOKEN_A, null).at("/outputs/0/shape").toString()).isEqualTo("[1,3]");
    }

    @Test
    void modelUploadRejectsWhatIsNotAModel() {
        ApiResponse garbage = h.upload(TOKEN_A, "definitely not onnx".getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.bodyJson().at("/status/detail").asText()).contains("not an ONNX model");
        assertThat(h.upload(TOKEN_A, new byte[0], "application/octet-stream").status()).isEqualTo(400);
        ApiResponse json = h.upload(TOKEN_A, "{}".getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(json.status()).isEqualTo(415);
        ApiResponse noFile = h.upload(TOKEN_A, ApiHarness.multipart("b0undary", "model", "m.onnx",
                ApiHarness.testModel("brightness.onnx")), "multipart/form-data; boundary=b0undary");
        assertThat(noFile.status()).isEqualTo(400);
        assertThat(noFile.bodyJson().at("/status/errors/0/path").asText()).isEqualTo("file");
        ApiResponse truncated = h.upload(TOKEN_A, "--b0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"
                .getBytes(StandardCharsets.UTF_8), "multipart/form-data; boundary=b0undary");
        assertThat(truncated.status()).isEqualTo(400);
        assertThat(truncated.bodyJson().at("/status/detail").asText()).contains("closing boundary");
        assertThat(h.upload(TOKEN_A, new byte[10], "multipart/form-data").status()).isEqualTo(400);
        assertThat(h.blobPuts.get()).isZero();
    }

    @Test
    void oversizeModelIsA413() {
        try (ApiHarness small = new ApiHarness(cfg -> cfg.maxModelBytes = 300)) {
            byte[] model = ApiHarness.testModel("brightness.onnx");
            assertThat(model.length).isGreaterThan(300);
            ApiResponse r = small.upload(TOKEN_A, model, "application/octet-stream");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyJson().at("/status/code").asInt()).isEqualTo(413);
            assertThat(small.blobPuts.get()).isZero();
        }
        // the model cap, not the JSON body cap, applies to uploads
        try (ApiHarness tightJson = new ApiHarness(cfg -> cfg.maxBodyBytes = 100)) {
            tightJson.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx"));
        }
    }
}
