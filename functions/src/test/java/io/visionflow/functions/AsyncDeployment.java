package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.Tokens;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.store.UsageRow;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.onnx.PretrainedModels;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The cloud's async functions on loopback: the tables on dynalite (the five stores and
 * {@code <prefix>runs}), the bucket on s3rver with three onnx tasks' models, flows over them
 * (made through an in-process Api, whose sync endpoint gives the answers to compare with), and
 * per {@link #functions} call fresh step queues with dead-letter queues on ElasticMQ and the
 * handlers of the API, control, model worker, service worker and dead-letter functions, each
 * built from its environment as in Lambda, fed by {@link SqsEventSource}s.
 */
final class AsyncDeployment implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ACCOUNT = "acct-steps";
    static final String TOKEN = "token-of-the-step-queues-test";

    final Stores stores;
    final S3BlobStore blobs;
    final Map<String, String> env = new HashMap<>();
    final ServiceCatalog services;
    final BackendRunners localRunners;
    final Api inProcess;
    final String fashion;
    final String vehicles;
    /** A sequence of the fashion flow nested and a recognition: control steps between model steps. */
    final String nested;
    /** A model step then a service step, in parallel. */
    final String withService;
    /** One recognition: the cheapest flow, for requests of many records. */
    final String tone;

    AsyncDeployment(Path cache) throws IOException {
        // every client of the functions takes the default credential chain, as on Lambda
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        String prefix = "stp" + UUID.randomUUID().toString().substring(0, 8) + "-";
        DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables().createRunsTable();
        S3Client s3 = AwsEmulators.s3Client();
        String bucket = prefix + "blobs";
        s3.createBucket(b -> b.bucket(bucket));
        blobs = new S3BlobStore(s3, bucket, cache.resolve("test"));
        stores = dynamo.stores(blobs);
        stores.accounts().create(new Account(ACCOUNT, "Steps", "secret", Instant.now()));
        stores.accounts().addToken(ACCOUNT, Tokens.hash(TOKEN));

        env.put(ApiEnvironment.TABLE_PREFIX, prefix);
        env.put(ApiEnvironment.DYNAMODB_ENDPOINT, AwsEmulators.dynamoEndpoint().toString());
        env.put(ApiEnvironment.BUCKET, bucket);
        env.put(S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
        env.put(S3BlobStore.REGION_VARIABLE, "us-east-1");
        env.put(WorkerEnvironment.ONNX_THREADS, "1");
        env.put(WorkerEnvironment.MODELS_DIR, PretrainedModels.modelsDir().toString());
        env.put(StepsEnvironment.SQS_ENDPOINT, ElasticMq.endpoint().toString());

        services = WorkerEnvironment.services(env);
        localRunners = new BackendRunners(key -> blobs.localFile(key));
        inProcess = Api.create(c -> {
            c.stores = stores;
            c.runners = localRunners;
            c.services = services;
        });
        String garment = classifier(upload("brightness.onnx"), "garment", "Pants", "Shirt");
        String sleeve = classifier(upload("top_bottom.onnx"), "sleeve", "short", "long");
        String colour = classifier(upload("mean_colour.onnx"), "colour", "red", "green", "blue");
        String detector = ok(inProcess, "POST", "/detection/v2/task", """
                {"name": "vehicles", "labels": [{"name": "Car"}, {"name": "Truck"}], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "tensor": "detections", "objectness": true}}}"""
                .formatted(upload("grid_detector.onnx")), 201).get("id").asText();
        fashion = flow("""
                {"name": "fashion", "top_node": {"type": "branch_selector", "id": "category", "task": "%s",
                 "field": "fashion_category", "branches": [
                   {"label": "Shirt", "action": {"type": "recognition", "id": "sleeve", "task": "%s", "output_field": "sleeve_length"}},
                   {"label": "Pants", "action": {"type": "recognition", "id": "pants", "task": "%s", "output_field": "pants_colour"}}]}}"""
                .formatted(garment, sleeve, colour));
        vehicles = flow("""
                {"name": "vehicles", "top_node": {"type": "list", "mode": "parallel", "actions": [
                   {"type": "recognition", "id": "light", "task": "%s", "output_field": "lighting"},
                   {"type": "object_selector", "id": "cars", "task": "%s", "min_prob": 0.5, "padding": 4,
                    "action": {"type": "list", "mode": "parallel", "actions": [
                      {"type": "recognition", "id": "car_colour", "task": "%s", "output_field": "colour"},
                      {"type": "recognition", "id": "car_shape", "task": "%s", "output_field": "shape"}]}}]}}"""
                .formatted(garment, detector, colour, sleeve));
        nested = flow("""
                {"name": "nested", "top_node": {"type": "list", "mode": "sequence", "actions": [
                   {"type": "flow", "id": "inner", "flow": "%s"},
                   {"type": "recognition", "id": "tone", "task": "%s", "output_field": "tone"}]}}"""
                .formatted(fashion, colour));
        withService = flow("""
                {"name": "with service", "top_node": {"type": "list", "mode": "parallel", "actions": [
                   {"type": "recognition", "id": "tone", "task": "%s", "output_field": "tone"},
                   {"type": "service", "id": "palette", "service": "dominant_colors", "output_field": "palette"}]}}"""
                .formatted(colour));
        tone = flow("""
                {"name": "tone", "top_node": {"type": "recognition", "id": "tone", "task": "%s", "output_field": "tone"}}"""
                .formatted(colour));
    }

    @Override
    public void close() {
        inProcess.close();
        localRunners.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    /** Fresh step queues and the functions that send to and consume them, not yet fed. */
    Functions functions(int visibilitySeconds, int maxReceives) {
        return new Functions(visibilitySeconds, maxReceives, null);
    }

    /**
     * The same, and the functions send finished requests' webhooks to {@code webhooks}, as to
     * template.yaml's WebhookQueue; endpoints on loopback are allowed.
     */
    Functions functions(int visibilitySeconds, int maxReceives, ElasticMq.Queues webhooks) {
        return new Functions(visibilitySeconds, maxReceives, webhooks);
    }

    /** The sync endpoint's answer to the same records. */
    JsonNode sync(String flow, List<String> records) {
        return ok(inProcess, "POST", "/flows/v2/process", body(flow, records, false), 200);
    }

    /** The credits charged to the account so far. */
    long credits() {
        LocalDate today = LocalDate.now();
        return stores.usage().usage(ACCOUNT, today.minusDays(1), today.plusDays(1)).stream().mapToLong(UsageRow::credits).sum();
    }

    /** The functions of one deployment of the queues. */
    final class Functions implements AutoCloseable {
        final SqsClient sqs = ElasticMq.client();
        final ElasticMq.Queues control;
        final ElasticMq.Queues model;
        final ElasticMq.Queues service;
        final Map<String, String> env = new HashMap<>(AsyncDeployment.this.env);
        /** The API function's Api. */
        final Api api;
        final ApiHandler apiHandler;
        final Api controlApi;
        final ControlHandler controlHandler;
        final WorkerEnvironment.Worker modelWorker;
        final ModelWorkerHandler modelHandler;
        final WorkerEnvironment.Worker serviceWorker;
        final ServiceWorkerHandler serviceHandler;
        final Api deadLetterApi;
        final DeadLetterHandler deadLetterHandler;
        final List<SqsEventSource> sources = new ArrayList<>();

        private Functions(int visibilitySeconds, int maxReceives, ElasticMq.Queues webhooks) {
            if (webhooks != null) {
                env.put(WebhookEnvironment.QUEUE_URL, webhooks.url());
                env.put(io.visionflow.net.OutboundPolicy.ALLOW_LOOPBACK_ENV, "true");
            }
            control = ElasticMq.queues("control", visibilitySeconds, maxReceives);
            model = ElasticMq.queues("model", visibilitySeconds, maxReceives);
            service = ElasticMq.queues("service", visibilitySeconds, maxReceives);
            env.put(StepsEnvironment.CONTROL_QUEUE_URL, control.url());
            env.put(StepsEnvironment.MODEL_QUEUE_URL, model.url());
            env.put(StepsEnvironment.SERVICE_QUEUE_URL, service.url());
            api = ApiEnvironment.create(env);
            apiHandler = new ApiHandler(api);
            controlApi = ApiEnvironment.create(env);
            controlHandler = new ControlHandler(controlApi);
            modelWorker = WorkerEnvironment.worker(env, ServiceCatalog.empty());
            modelHandler = new ModelWorkerHandler(modelWorker);
            serviceWorker = WorkerEnvironment.worker(env, services);
            serviceHandler = new ServiceWorkerHandler(serviceWorker);
            deadLetterApi = ApiEnvironment.create(env);
            deadLetterHandler = new DeadLetterHandler(deadLetterApi);
        }

        /** Feeds each queue to its function, as template.yaml's event sources do (batches of ten). */
        Functions start(boolean duplicateEveryMessage) {
            sources.add(SqsEventSource.start(sqs, control.url(), controlHandler, 10, duplicateEveryMessage));
            sources.add(SqsEventSource.start(sqs, model.url(), modelHandler, 10, duplicateEveryMessage));
            sources.add(SqsEventSource.start(sqs, service.url(), serviceHandler, 10, duplicateEveryMessage));
            for (ElasticMq.Queues q : List.of(control, model, service)) {
                sources.add(SqsEventSource.start(sqs, q.deadLetterUrl(), deadLetterHandler, 10, false));
            }
            return this;
        }

        /** Submits an async request through the API function's handler, as API Gateway sends it; its id. */
        String submit(ApiHandler handler, String flow, List<String> records) {
            ObjectNode event = JSON.createObjectNode();
            event.put("version", "2.0").put("rawPath", "/account/v2/request/").put("rawQueryString", "");
            event.putObject("headers").put("content-type", "application/json").put("authorization", "Token " + TOKEN);
            event.putObject("requestContext").putObject("http").put("method", "POST").put("path", "/account/v2/request/");
            event.put("body", body(flow, records, true)).put("isBase64Encoded", false);
            ObjectNode answer = handler.handle(event, "lambda-request-" + UUID.randomUUID());
            assertThat(answer.path("statusCode").asInt()).as(answer.toString()).isEqualTo(201);
            try {
                return JSON.readTree(answer.path("body").asText()).path("id").asText();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String submit(String flow, List<String> records) {
            return submit(apiHandler, flow, records);
        }

        /** Submits with a webhook to {@code endpoint}; the request's id. */
        String submit(String flow, List<String> records, java.net.URI endpoint) {
            String body = body(flow, records, true);
            return ok(api, "POST", "/account/v2/request/", body.substring(0, body.length() - 1)
                    + ", \"webhook\": {\"endpoint\": \"" + endpoint + "\"}}", 201).path("id").asText();
        }

        /** The request once it is DONE or ERROR, read as its owner reads it. */
        JsonNode awaitFinished(String id) {
            JsonNode[] last = new JsonNode[1];
            await(() -> {
                last[0] = ok(inProcess, "GET", "/account/v2/request/" + id, null, 200);
                String status = last[0].path("status").asText();
                return status.equals("DONE") || status.equals("ERROR");
            }, () -> "request " + id + " is " + last[0] + "; " + sources);
            return last[0];
        }

        /** Waits until every queue is empty and no function holds a batch, twice in a row. */
        void awaitDrained() {
            await(() -> sources.stream().allMatch(SqsEventSource::idle) && pause() && sources.stream().allMatch(SqsEventSource::idle),
                    sources::toString);
        }

        @Override
        public void close() {
            sources.forEach(SqsEventSource::close);
            for (Api a : List.of(api, controlApi, deadLetterApi)) {
                a.close();
            }
            for (WorkerEnvironment.Worker w : List.of(modelWorker, serviceWorker)) {
                if (w.handlesStepMessages()) {
                    w.api().close();
                }
            }
        }
    }

    // ---- helpers ----

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Polls until {@code done}; a generous deadline, since a loaded machine may be slow. */
    static void await(BooleanSupplier done, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not there after 120 s: " + what.get());
            }
            pause();
        }
    }

    static JsonNode ok(Api api, String method, String path, String body, int status) {
        ApiResponse r = api.handle(body == null
                ? new ApiRequest(method, path, Map.of(), Map.of("authorization", "Token " + TOKEN), new byte[0])
                : ApiRequest.json(method, path, TOKEN, body));
        assertThat(r.status()).as(method + " " + path + ": " + r.bodyText()).isEqualTo(status);
        return r.bodyJson();
    }

    private static String body(String flow, List<String> records, boolean async) {
        return "{" + (async ? "\"type\": \"flows\", " : "") + "\"flow\": \"" + flow + "\", \"records\": ["
                + String.join(", ", records) + "]}";
    }

    private String flow(String definition) {
        return ok(inProcess, "POST", "/flows/v2/flow", definition, 201).get("id").asText();
    }

    private String upload(String model) throws IOException {
        return upload(inProcess, TOKEN, model);
    }

    /** Uploads a test model ({@code /models/...} on the test class path) through {@code api}; its id. */
    static String upload(Api api, String token, String model) throws IOException {
        byte[] bytes;
        try (InputStream in = AsyncDeployment.class.getResourceAsStream("/models/" + model)) {
            bytes = in.readAllBytes();
        }
        ApiResponse r = api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(),
                Map.of("content-type", "application/octet-stream", "authorization", "Token " + token), bytes));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
        return r.bodyJson().get("id").asText();
    }

    private String classifier(String model, String name, String... labels) {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        var l = body.putArray("labels");
        for (String s : labels) {
            l.add(s);
        }
        ObjectNode backend = body.putObject("backend").put("kind", "onnx").put("model", model);
        backend.putObject("preprocessing").put("width", 32).put("height", 32);
        backend.putObject("output").put("decoder", "classifier").put("activation", "softmax");
        return ok(inProcess, "POST", "/recognition/v2/task/", body.toString(), 201).get("id").asText();
    }

    static BufferedImage plain(Color colour) {
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 40, 40);
        g.dispose();
        return img;
    }

    /** A white street with a red car in the top-right quadrant (the grid detector's cell). */
    static BufferedImage street() {
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 256, 256);
        g.setColor(Color.RED);
        g.fillRect(128, 0, 128, 128);
        g.dispose();
        return img;
    }

    static String png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record as sent: an id and the image inline. */
    static String record(String id, BufferedImage image) {
        return "{\"_id\": \"" + id + "\", \"_base64\": \"" + png(image) + "\"}";
    }
}
