package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.api.Api;
import io.visionflow.api.Tokens;
import io.visionflow.store.Account;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.http.FakeModelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every sample event of events/api through the handler, against DynamoDB (dynalite) and S3
 * (s3rver) adapters and an http task on a loopback model server.
 */
class ApiHandlerEventsTest {
    @TempDir
    static Path cache;

    static FakeModelServer model;
    static io.visionflow.store.Stores stores;
    static Api api;
    static ApiHandler handler;
    static final Map<String, String> values = new HashMap<>();

    record Answer(int status, JsonNode json, EventFiles.Response raw) {
    }

    @BeforeAll
    static void start() throws IOException {
        model = FakeModelServer.start()
                .classify("/classify", Map.of("Shirt", 0.9, "Pants", 0.1))
                .detect("/detect", List.of(FakeModelServer.object("person", 0.8, 2, 2, 20, 20)));
        String prefix = "evt" + UUID.randomUUID().toString().substring(0, 8) + "-";
        DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables();
        var s3 = AwsEmulators.s3Client();
        String bucket = prefix + "blobs";
        s3.createBucket(b -> b.bucket(bucket));
        stores = dynamo.stores(new S3BlobStore(s3, bucket, cache));
        api = Api.create(c -> {
            c.stores = stores;
            c.runners = Loopback.runners();
            c.outbound = Loopback.POLICY;
        });
        handler = new ApiHandler(api);

        String token = Tokens.generate();
        stores.accounts().create(new Account("acct-1", "Events", "secret", Instant.now()));
        stores.accounts().addToken("acct-1", Tokens.hash(token));
        values.put("TOKEN", token);
        values.put("MODEL_URL", model.url(""));
        values.put("IMAGE_BASE64", png());

        // the end-to-end set-up every other event uses: two http tasks and a flow, through the handler
        Answer task = call("create-recognition-task");
        assertThat(task.status()).as(task.raw().getBody()).isIn(200, 201);
        values.put("TASK_ID", task.json().path("id").asText());
        Answer detection = call("create-detection-task");
        assertThat(detection.status()).as(detection.raw().getBody()).isIn(200, 201);
        values.put("DETECTION_TASK_ID", detection.json().path("id").asText());
        Answer flow = call("create-flow");
        assertThat(flow.status()).as(flow.raw().getBody()).isIn(200, 201);
        values.put("FLOW_ID", flow.json().path("id").asText());
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (model != null) {
            model.close();
        }
    }

    static String png() throws IOException {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(4, 4, 20, 20);
        g.dispose();
        var out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    static Answer call(String name) {
        return call(name, values);
    }

    static Answer call(String name, Map<String, String> with) {
        EventFiles.Response r = EventFiles.call(handler, EventFiles.event(name, with));
        JsonNode json;
        try {
            json = EventFiles.JSON.readTree(r.getBody());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": not JSON: " + r.getBody(), e);
        }
        assertThat(r.getIsBase64Encoded()).isFalse();
        if (!r.getBody().isEmpty()) {
            assertThat(r.getHeaders()).containsEntry("Content-Type", "application/json");
        }
        return new Answer(r.getStatusCode(), json, r);
    }

    /** A fresh flow, for the events that change or delete one. */
    static Map<String, String> withNewFlow() {
        Answer flow = call("create-flow");
        assertThat(flow.status()).isIn(200, 201);
        Map<String, String> with = new HashMap<>(values);
        with.put("FLOW_ID", flow.json().path("id").asText());
        return with;
    }

    /** The flow builder, served by the API function at / on the paths no route has, without a token. */
    @Test
    void flowBuilder() {
        EventFiles.Response page = EventFiles.call(handler, EventFiles.event("flow-builder", values));
        assertThat(page.getStatusCode()).isEqualTo(200);
        assertThat(page.getHeaders()).containsEntry("Content-Type", "text/html; charset=utf-8")
                .containsEntry("Content-Security-Policy", io.visionflow.api.WebFiles.CSP);
        assertThat(page.getIsBase64Encoded()).isFalse();
        assertThat(page.getBody()).containsIgnoringCase("<html").contains("assets/");
        // a path a route has stays the API's, file or not
        assertThat(call("list-flows").status()).isEqualTo(200);
    }

    @Test
    void uploadModel() {
        Map<String, String> with = new HashMap<>(values);
        with.put("MODEL_BASE64", modelBase64());
        Answer a = call("upload-model", with);
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(201);
        assertThat(a.json().path("id").asText()).matches("[0-9a-f]{64}");
        assertThat(a.json().at("/inputs/0/shape").toString()).isEqualTo("[1,3,32,32]");
    }

    /** A hand-set test model (shared's test resources), base64 as the HTTP API sends binary bodies. */
    static String modelBase64() {
        try (var in = ApiHandlerEventsTest.class.getResourceAsStream("/models/mean_colour.onnx")) {
            return Base64.getEncoder().encodeToString(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyEventFileIsCovered() throws IOException {
        try (Stream<Path> files = Files.list(EventFiles.dir())) {
            List<String> names = files.map(p -> p.getFileName().toString().replace(".json", "")).toList();
            List<String> tested = Stream.of(getClass().getDeclaredMethods())
                    .filter(m -> m.isAnnotationPresent(Test.class)).map(m -> m.getName()).toList();
            for (String name : names) {
                String method = camel(name);
                assertThat(tested).as("a test for events/api/" + name + ".json").contains(method);
            }
        }
    }

    private static String camel(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("-")) {
            b.append(b.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return b.toString();
    }

    @Test
    void processFlow() {
        Answer a = call("process-flow");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("status").path("code").asInt()).isEqualTo(200);
        JsonNode record = a.json().path("records").get(0);
        assertThat(record.path("_id").asText()).isEqualTo("shirt-1");
        assertThat(record.path("garment").path("best_label").path("name").asText()).isEqualTo("Shirt");
        assertThat(record.has("_base64")).isFalse();
        assertThat(a.json().path("statistics").path("credits").asInt()).isEqualTo(1);
        assertThat(model.calls("/classify")).isPositive();
    }

    @Test
    void createFlow() {
        Answer a = call("create-flow");
        assertThat(a.status()).isIn(200, 201);
        assertThat(a.json().path("name").asText()).isEqualTo("Garments");
        assertThat(a.json().path("valid").asBoolean()).isTrue();
    }

    @Test
    void listFlows() {
        Answer a = call("list-flows");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("count").asInt()).isPositive();
        assertThat(a.json().path("results").isArray()).isTrue();
    }

    @Test
    void listFlowsPaginated() {
        withNewFlow();
        withNewFlow();
        Answer a = call("list-flows-paginated");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("results").size()).isEqualTo(1);
        assertThat(a.json().path("count").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(a.json().path("previous").isNull()).isFalse();
    }

    @Test
    void getFlow() {
        Answer a = call("get-flow");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("id").asText()).isEqualTo(values.get("FLOW_ID"));
        assertThat(a.json().has("top_node")).isTrue();
    }

    @Test
    void getFlowTrailingSlash() {
        Answer a = call("get-flow-trailing-slash");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("id").asText()).isEqualTo(values.get("FLOW_ID"));
    }

    @Test
    void getFlowJson() {
        Answer a = call("get-flow-json");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().toString()).contains("\"type\":\"recognition\"").contains("\"id\":\"garment\"");
    }

    @Test
    void replaceFlow() {
        Map<String, String> with = withNewFlow();
        Answer a = call("replace-flow", with);
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("name").asText()).isEqualTo("Garments v2");
    }

    @Test
    void updateFlow() {
        Map<String, String> with = withNewFlow();
        Answer a = call("update-flow", with);
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("description").asText()).isEqualTo("patched");
        assertThat(a.json().path("name").asText()).isEqualTo("Garments");
    }

    @Test
    void deleteFlow() {
        Map<String, String> with = withNewFlow();
        Answer a = call("delete-flow", with);
        assertThat(a.status()).as(a.raw().getBody()).isIn(200, 204);
        assertThat(call("get-flow", with).status()).isEqualTo(404);
    }

    @Test
    void createRecognitionTask() {
        Answer a = call("create-recognition-task");
        assertThat(a.status()).isIn(200, 201);
        assertThat(a.json().path("labels").size()).isEqualTo(2);
    }

    @Test
    void createDetectionTask() {
        Answer a = call("create-detection-task");
        assertThat(a.status()).isIn(200, 201);
        assertThat(a.json().path("type").asText()).isEqualTo("detection");
    }

    @Test
    void classify() {
        Answer a = call("classify");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        JsonNode record = a.json().path("records").get(0);
        assertThat(record.path("best_label").path("name").asText()).as(record.toString()).isEqualTo("Shirt");
    }

    @Test
    void detect() {
        Answer a = call("detect");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        JsonNode objects = a.json().path("records").get(0).path("_objects");
        assertThat(objects.size()).as(a.json().toString()).isEqualTo(1);
        assertThat(objects.get(0).path("name").asText()).isEqualTo("person");
    }

    @Test
    void onnxTaskFailsItsRecordWith501() {
        // stored directly: registering one would need an uploaded model, which is not the point here
        var onnx = stores.tasks().create("acct-1", new io.visionflow.task.Task("onnx-task-1", "onnx-garment",
                io.visionflow.task.TaskKind.CLASSIFICATION, List.of(new io.visionflow.task.Label("shirt", "Shirt")),
                new io.visionflow.task.OnnxBackend("model-1", null, null)));
        Map<String, String> with = new HashMap<>(values);
        with.put("TASK_ID", onnx.task().id());
        Answer a = call("classify", with);
        JsonNode status = a.json().path("records").get(0).path("_status");
        assertThat(status.path("code").asInt()).as(a.json().toString()).isEqualTo(501);
        assertThat(status.path("text").asText()).contains("onnx tasks run in the model worker");
    }

    @Test
    void createAsyncRequest() {
        Answer a = call("create-async-request");
        assertThat(a.status()).as(a.raw().getBody()).isIn(200, 201, 202);
        assertThat(a.json().path("id").asText()).isNotBlank();
    }

    private static Map<String, String> withRequest() {
        Answer created = call("create-async-request");
        assertThat(created.status()).isIn(200, 201, 202);
        Map<String, String> with = new HashMap<>(values);
        with.put("REQUEST_ID", created.json().path("id").asText());
        return with;
    }

    @Test
    void getAsyncRequest() {
        Map<String, String> with = withRequest();
        Answer a = call("get-async-request", with);
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("id").asText()).isEqualTo(with.get("REQUEST_ID"));
        assertThat(a.json().path("status").asText()).isIn("CREATED", "PROCESSING", "DONE");
    }

    @Test
    void getAsyncRequestStatus() {
        Map<String, String> with = withRequest();
        Answer a = call("get-async-request-status", with);
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("status").asText()).isIn("CREATED", "PROCESSING", "DONE");
    }

    @Test
    void listAsyncRequests() {
        withRequest();
        Answer a = call("list-async-requests");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("count").asInt()).isPositive();
        a.json().path("results").forEach(r -> assertThat(r.path("type").asText()).isEqualTo("flows"));
    }

    @Test
    void authorize() {
        Answer a = call("authorize");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("user_id").asText()).isEqualTo("acct-1");
    }

    @Test
    void authorizeBase64Body() {
        Answer a = call("authorize-base64-body");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().path("user_id").asText()).isEqualTo("acct-1");
    }

    @Test
    void usage() {
        call("process-flow");
        Answer a = call("usage");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(200);
        assertThat(a.json().toString()).contains(values.get("FLOW_ID"));
    }

    @Test
    void errorNoToken() {
        Answer a = call("error-no-token");
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.json().path("status").path("code").asInt()).isEqualTo(401);
        assertThat(a.json().path("detail").asText()).contains("Authorization");
    }

    @Test
    void errorBadToken() {
        Answer a = call("error-bad-token");
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.json().path("detail").asText()).contains("invalid token");
    }

    @Test
    void errorMalformedJson() {
        Answer a = call("error-malformed-json");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(400);
        assertThat(a.json().path("status").path("code").asInt()).isEqualTo(400);
    }

    @Test
    void errorUnknownFlow() {
        Answer a = call("error-unknown-flow");
        assertThat(a.status()).as(a.raw().getBody()).isEqualTo(404);
    }

    @Test
    void errorElevenRecords() {
        Answer a = call("error-eleven-records");
        assertThat(a.status()).as(a.raw().getBody()).isIn(400, 413);
        assertThat(a.json().path("detail").asText()).contains("10");
    }
}
