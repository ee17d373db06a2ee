package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.Tokens;
import io.visionflow.image.BlobImageStore;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.BackendRunners;
import io.visionflow.worker.RemoteStepExecutor;
import io.visionflow.worker.WorkerKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cloud's sync driver end to end on loopback: the API (DynamoDB on dynalite, S3 on s3rver)
 * sends model steps through the SDK's {@code LambdaClient} to a Lambda Invoke server that runs the
 * real model worker handler, built from its environment, on ONNX Runtime with models and images in
 * S3. Results and credits must be those of the same flows run in-process, and every transport
 * fault must fail only the record, with its status.
 */
class WorkerFunctionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "token-of-the-worker-test";
    private static final String WORKER = "vf-model-worker";

    @TempDir
    static Path cache;
    static LambdaInvokeServer lambda;
    static Stores stores;
    static S3BlobStore blobs;
    static Map<String, String> env = new HashMap<>();
    static Api inProcess;
    static BackendRunners localRunners;
    static String fashion;
    static String vehicles;

    @BeforeAll
    static void start() throws IOException {
        // the worker builds its S3 client from the default credential chain, as on Lambda
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        String prefix = "wrk" + UUID.randomUUID().toString().substring(0, 8) + "-";
        env.put(ApiEnvironment.TABLE_PREFIX, prefix);
        env.put(ApiEnvironment.DYNAMODB_ENDPOINT, AwsEmulators.dynamoEndpoint().toString());
        DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables();
        S3Client s3 = AwsEmulators.s3Client();
        String bucket = prefix + "blobs";
        s3.createBucket(b -> b.bucket(bucket));
        blobs = new S3BlobStore(s3, bucket, cache.resolve("api"));
        stores = dynamo.stores(blobs);
        stores.accounts().create(new Account("acct-w", "Workers", "secret", Instant.now()));
        stores.accounts().addToken("acct-w", Tokens.hash(TOKEN));

        env.put(ApiEnvironment.BUCKET, bucket);
        env.put(S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
        env.put(S3BlobStore.REGION_VARIABLE, "us-east-1");
        env.put(WorkerEnvironment.ONNX_THREADS, "1");
        lambda = LambdaInvokeServer.start()
                .function(WORKER, new ModelWorkerHandler(WorkerEnvironment.create(env, ServiceCatalog.empty())))
                .function("vf-crashing-worker", (in, out, context) -> {
                    throw new IllegalStateException("the worker ran out of memory");
                })
                .function("vf-timed-out-worker", (in, out, context) -> {
                    throw new RuntimeException("2026-11-25T10:00:00.000Z 1234 Task timed out after 30.00 seconds");
                });
        env.put(LambdaStepInvoker.LAMBDA_ENDPOINT, lambda.endpoint().toString());

        localRunners = new BackendRunners(key -> blobs.localFile(key));
        inProcess = Api.create(c -> {
            c.stores = stores;
            c.runners = localRunners;
        });
        String brightness = upload("brightness.onnx");
        String topBottom = upload("top_bottom.onnx");
        String meanColour = upload("mean_colour.onnx");
        String grid = upload("grid_detector.onnx");
        String garment = classifier(brightness, "garment", "Pants", "Shirt");
        String sleeve = classifier(topBottom, "sleeve", "short", "long");
        String colour = classifier(meanColour, "colour", "red", "green", "blue");
        String detector = ok(inProcess, "POST", "/detection/v2/task", """
                {"name": "vehicles", "labels": [{"name": "Car"}, {"name": "Truck"}], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "tensor": "detections", "objectness": true}}}"""
                .formatted(grid), 201).get("id").asText();
        fashion = ok(inProcess, "POST", "/flows/v2/flow", """
                {"name": "fashion", "top_node": {"type": "branch_selector", "id": "category", "task": "%s",
                 "field": "fashion_category", "branches": [
                   {"label": "Shirt", "action": {"type": "recognition", "id": "sleeve", "task": "%s", "output_field": "sleeve_length"}},
                   {"label": "Pants", "action": {"type": "recognition", "id": "pants", "task": "%s", "output_field": "pants_colour"}}]}}"""
                .formatted(garment, sleeve, colour), 201).get("id").asText();
        vehicles = ok(inProcess, "POST", "/flows/v2/flow", """
                {"name": "vehicles", "top_node": {"type": "list", "mode": "parallel", "actions": [
                   {"type": "recognition", "id": "light", "task": "%s", "output_field": "lighting"},
                   {"type": "object_selector", "id": "cars", "task": "%s", "min_prob": 0.5, "padding": 4,
                    "action": {"type": "list", "mode": "parallel", "actions": [
                      {"type": "recognition", "id": "car_colour", "task": "%s", "output_field": "colour"},
                      {"type": "recognition", "id": "car_shape", "task": "%s", "output_field": "shape"}]}}]}}"""
                .formatted(garment, detector, colour, sleeve), 201).get("id").asText();
    }

    @AfterAll
    static void stop() {
        lambda.close();
        inProcess.close();
        localRunners.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @BeforeEach
    void reset() {
        lambda.throttleNext.set(0);
        lambda.delay = Duration.ZERO;
        lambda.calls.clear();
    }

    /** The API function as its environment in template.yaml makes it, with the model worker behind the Invoke server. */
    private static Api deployed() {
        Map<String, String> e = new HashMap<>(env);
        e.put(LambdaStepInvoker.MODEL_WORKER, WORKER + ":live");
        return ApiEnvironment.create(e);
    }

    /** The API function wired as ApiEnvironment does it, with the model worker named {@code worker}. */
    private static Api remote(String worker, Duration timeout) {
        Map<String, String> e = new HashMap<>(env);
        LambdaStepInvoker invoker = new LambdaStepInvoker(LambdaStepInvoker.client(e, timeout), Map.of(WorkerKind.MODEL, worker));
        return Api.create(c -> {
            c.stores = stores;
            c.runners = new HttpOnlyRunners();
            c.executor = new RemoteStepExecutor(invoker);
            c.modelChecks = new io.visionflow.worker.RemoteModelChecks(invoker);
            BlobImageStore.Cache none = new BlobImageStore.Cache(0);
            c.images = account -> new BlobImageStore(blobs, account, none);
        });
    }

    @Test
    void flowsThroughTheWorkerGiveTheRecordsAndCreditsOfAnInProcessRun() {
        String body = "{\"flow\": \"%s\", \"records\": [" + record(street()) + ", " + record(plain(Color.WHITE)) + ", "
                + record(plain(new Color(0, 0, 90))) + "]}";
        try (Api api = deployed()) {
            for (String flow : new String[] {fashion, vehicles}) {
                JsonNode here = ok(inProcess, "POST", "/flows/v2/process", body.formatted(flow), 200);
                JsonNode there = ok(api, "POST", "/flows/v2/process", body.formatted(flow), 200);
                assertThat(there.get("records")).isEqualTo(here.get("records"));
                assertThat(there.at("/statistics/credits").asInt()).isEqualTo(here.at("/statistics/credits").asInt()).isPositive();
            }
            JsonNode objects = ok(api, "POST", "/flows/v2/process", body.formatted(vehicles), 200).at("/records/0/_objects");
            assertThat(objects).hasSize(1);
            assertThat(objects.at("/0/colour/best_label/name").asText()).isEqualTo("red");
        }
        // only model steps travel (never the list), each to the alias the API function names
        assertThat(lambda.calls).isNotEmpty().allSatisfy(c -> assertThat(c).isIn(WORKER + ":live", WORKER + "?Qualifier=live"));
    }

    @Test
    void modelsAndOnnxTasksAreCheckedByTheWorkerSinceTheApiFunctionHasNoOnnxRuntime() throws IOException {
        byte[] model;
        try (InputStream in = WorkerFunctionsTest.class.getResourceAsStream("/models/top_bottom.onnx")) {
            model = in.readAllBytes();
        }
        try (Api api = deployed()) {
            ApiResponse uploaded = api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(),
                    Map.of("content-type", "application/octet-stream", "authorization", "Token " + TOKEN), model));
            assertThat(uploaded.status()).as(uploaded.bodyText()).isEqualTo(201);
            assertThat(uploaded.bodyJson().at("/inputs/0/shape").toString()).isEqualTo("[1,3,32,32]");
            assertThat(lambda.calls).hasSize(1);

            byte[] junk = ("not a model " + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ApiResponse refused = api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(),
                    Map.of("content-type", "application/octet-stream", "authorization", "Token " + TOKEN), junk));
            assertThat(refused.status()).as(refused.bodyText()).isEqualTo(400);
            assertThat(refused.bodyJson().at("/status/errors/0/path").asText()).isEqualTo("file");
            // stored for the worker to read, and removed again once it said no
            assertThat(blobs.get(io.visionflow.store.BlobKeys.keyOf("acct-w", "model", junk))).isEmpty();

            String id = uploaded.bodyJson().get("id").asText();
            String threeLabels = """
                    {"name": "shape", "labels": ["a", "b", "c"], "backend": {"kind": "onnx", "model": "%s",
                     "preprocessing": {"width": 32, "height": 32}, "output": {"decoder": "classifier"}}}""".formatted(id);
            ApiResponse wrong = api.handle(ApiRequest.json("POST", "/recognition/v2/task/", TOKEN, threeLabels));
            assertThat(wrong.status()).as(wrong.bodyText()).isEqualTo(400);
            assertThat(wrong.bodyJson().at("/status/errors/0/path").asText()).isEqualTo("labels");
            assertThat(wrong.bodyJson().at("/status/errors/0/message").asText()).contains("2 scores per image");
            ApiResponse right = api.handle(ApiRequest.json("POST", "/recognition/v2/task/", TOKEN,
                    threeLabels.replace("[\"a\", \"b\", \"c\"]", "[\"sky\", \"ground\"]")));
            assertThat(right.status()).as(right.bodyText()).isEqualTo(201);
        }
        try (Api api = remote("vf-crashing-worker", Duration.ofSeconds(20))) {
            // a worker that cannot answer is the deployment's fault, not the model's: no 400
            ApiResponse r = api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(),
                    Map.of("content-type", "application/octet-stream", "authorization", "Token " + TOKEN), model));
            assertThat(r.status()).as(r.bodyText()).isEqualTo(502);
            assertThat(r.bodyJson().at("/status/detail").asText()).contains("cannot check the model");
        }
    }

    @Test
    void aCrashedWorkerFailsOnlyTheRecordsItRanWithABadGateway() {
        try (Api api = remote("vf-crashing-worker", Duration.ofSeconds(20))) {
            JsonNode out = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": ["
                    + record(plain(Color.WHITE)) + ", {\"_url\": \"not a url\"}]}", 200);
            assertThat(out.at("/records/0/_status/code").asInt()).isEqualTo(502);
            assertThat(out.at("/records/0/_status/text").asText()).contains("model worker failed: the worker ran out of memory");
            assertThat(out.at("/records/1/_status/code").asInt()).isEqualTo(400);
            assertThat(out.at("/statistics/credits").asInt()).isZero();
        }
    }

    @Test
    void lambdasOwnTimeoutIsAGatewayTimeout() {
        try (Api api = remote("vf-timed-out-worker", Duration.ofSeconds(20))) {
            JsonNode out = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": [" + record(plain(Color.WHITE)) + "]}", 200);
            assertThat(out.at("/records/0/_status/code").asInt()).isEqualTo(504);
            assertThat(out.at("/records/0/_status/text").asText()).contains("Task timed out");
        }
    }

    @Test
    void throttlingIsRetriedAndWhenItLastsTheRecordGetsServiceUnavailable() {
        try (Api api = remote(WORKER, Duration.ofSeconds(20))) {
            lambda.throttleNext.set(1);
            JsonNode retried = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": [" + record(plain(Color.WHITE)) + "]}", 200);
            assertThat(retried.at("/records/0/_status/code").asInt()).isEqualTo(200);
            assertThat(retried.at("/records/0/fashion_category").asText()).isEqualTo("Shirt");
            assertThat(retried.at("/statistics/credits").asInt()).isEqualTo(2); // the throttled attempt is not charged

            lambda.throttleNext.set(1000);
            JsonNode throttled = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": [" + record(plain(Color.WHITE)) + "]}", 200);
            assertThat(throttled.at("/records/0/_status/code").asInt()).isEqualTo(503);
            assertThat(throttled.at("/records/0/_status/text").asText()).contains("concurrency limit");
            assertThat(lambda.calls.size()).isGreaterThan(2); // the SDK retried before giving up
        }
    }

    @Test
    void aWorkerThatDoesNotAnswerInTimeIsAGatewayTimeout() {
        lambda.delay = Duration.ofSeconds(3);
        try (Api api = remote(WORKER, Duration.ofMillis(500))) {
            JsonNode out = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": [" + record(plain(Color.WHITE)) + "]}", 200);
            assertThat(out.at("/records/0/_status/code").asInt()).isEqualTo(504);
            assertThat(out.at("/records/0/_status/text").asText()).contains("did not answer in time");
        }
    }

    @Test
    void anUnknownWorkerFunctionIsABadGatewayNamingLambdasAnswer() {
        try (Api api = remote("vf-no-such-worker", Duration.ofSeconds(20))) {
            JsonNode out = ok(api, "POST", "/flows/v2/process", "{\"flow\": \"" + fashion + "\", \"records\": [" + record(plain(Color.WHITE)) + "]}", 200);
            assertThat(out.at("/records/0/_status/code").asInt()).isEqualTo(502);
            assertThat(out.at("/records/0/_status/text").asText()).contains("Function not found");
        }
    }

    // ---- helpers ----

    private static JsonNode ok(Api api, String method, String path, String body, int status) {
        ApiResponse r = api.handle(ApiRequest.json(method, path, TOKEN, body));
        assertThat(r.status()).as(method + " " + path + ": " + r.bodyText()).isEqualTo(status);
        return r.bodyJson();
    }

    private static String upload(String model) throws IOException {
        return AsyncDeployment.upload(inProcess, TOKEN, model);
    }

    private static String classifier(String model, String name, String... labels) {
        var body = JSON.createObjectNode().put("name", name);
        var l = body.putArray("labels");
        for (String s : labels) {
            l.add(s);
        }
        body.putObject("backend").put("kind", "onnx").put("model", model)
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("preprocessing", JSON.createObjectNode().put("width", 32).put("height", 32))
                .putObject("output").put("decoder", "classifier").put("activation", "softmax");
        return ok(inProcess, "POST", "/recognition/v2/task/", body.toString(), 201).get("id").asText();
    }

    private static BufferedImage plain(Color colour) {
        return AsyncDeployment.plain(colour);
    }

    private static BufferedImage street() {
        return AsyncDeployment.street();
    }

    private static String record(BufferedImage image) {
        return "{\"_base64\": \"" + AsyncDeployment.png(image) + "\"}";
    }
}
