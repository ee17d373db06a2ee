package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.api.Tokens;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.http.FakeModelServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded API jar (built by `package`, which runs this test after the shade step): no ONNX
 * Runtime inside, and a fresh JVM on it alone builds the Api from its environment and answers
 * events: an http-task flow in the function itself, a model upload it must refuse (501, no ONNX
 * Runtime to check the model), and an onnx flow whose steps it sends over Lambda Invoke to a model
 * worker.
 */
class ApiJarTest {
    static final Path JAR = Path.of(System.getProperty("visionflow.api.jar", "target/visionflow-api.jar"));

    @BeforeEach
    void onlyAfterShading() {
        // -Dtest=... also selects this class in the test phase, where the jar is stale or missing
        assumeTrue(Boolean.getBoolean("visionflow.api.jar.phase"), "runs in the package phase, after the shade step");
    }

    @Test
    void jarHasNoOnnxRuntimeAndStaysSmall() throws IOException {
        assertThat(JAR).exists();
        try (ZipFile zip = new ZipFile(JAR.toFile())) {
            assertThat(zip.stream().map(e -> e.getName()))
                    .noneMatch(n -> n.startsWith("ai/onnxruntime/"))
                    // HttpCore's classic half for outbound requests; not HttpClient, not the async half
                    .noneMatch(n -> n.startsWith("org/apache/hc/client5/"))
                    .noneMatch(n -> n.startsWith("org/apache/hc/core5/reactor/") || n.startsWith("org/apache/hc/core5/http/nio/")
                            || n.startsWith("org/apache/hc/core5/http2/"))
                    .contains("org/apache/hc/core5/http/impl/io/DefaultBHttpClientConnection.class")
                    .noneMatch(n -> n.startsWith("io/netty/"))
                    .contains("io/visionflow/functions/ApiHandler.class")
                    .contains("software/amazon/awssdk/services/lambda/DefaultLambdaClient.class")
                    // the control and dead-letter functions: step queue consumers on SQS and the runs table
                    .contains("io/visionflow/functions/ControlHandler.class", "io/visionflow/functions/DeadLetterHandler.class",
                            "software/amazon/awssdk/services/sqs/DefaultSqsClient.class",
                            "io/visionflow/store/dynamodb/DynamoAsyncState.class");
        }
        // the budget of issue 16: a smaller jar loads and starts faster
        assertThat(Files.size(JAR)).as("bytes of the API jar").isLessThanOrEqualTo(20_000_000L);
        assertThat(Files.size(JAR)).isLessThanOrEqualTo(20L << 20);
    }

    /** Tables, bucket and an account for one fresh JVM, and the environment that points it at them. */
    record Deployment(Stores stores, String token, Map<String, String> env) {
        static Deployment create(Path tmp) {
            String prefix = "jar" + UUID.randomUUID().toString().substring(0, 8) + "-";
            String bucket = prefix + "blobs";
            var s3 = AwsEmulators.s3Client();
            s3.createBucket(b -> b.bucket(bucket));
            DynamoStores dynamo = DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables();
            Stores stores = dynamo.stores(new S3BlobStore(s3, bucket, tmp.resolve("cache")));
            String token = Tokens.generate();
            stores.accounts().create(new Account("acct-jar", "Jar", "secret", Instant.now()));
            stores.accounts().addToken("acct-jar", Tokens.hash(token));
            Map<String, String> env = new HashMap<>();
            env.put(ApiEnvironment.TABLE_PREFIX, prefix);
            env.put(ApiEnvironment.BUCKET, bucket);
            env.put("AWS_REGION", "us-east-1");
            env.put(ApiEnvironment.DYNAMODB_ENDPOINT, AwsEmulators.dynamoEndpoint().toString());
            env.put(S3BlobStore.ENDPOINT_VARIABLE, AwsEmulators.s3Endpoint().toString());
            env.put(Loopback.ENV, "true"); // the model servers of these tests listen on loopback
            return new Deployment(stores, token, env);
        }

        /** An Api on these tables that reaches model servers on loopback (the development setting). */
        Api loopbackApi() {
            return Api.create(c -> {
                c.stores = stores;
                c.runners = Loopback.runners();
                c.outbound = Loopback.POLICY;
            });
        }

        /**
         * Registers the http task of events/api on {@code model} and the flow of events/api over
         * it, through the handler; the values the other events need.
         */
        Map<String, String> httpTaskFlow(Api api, FakeModelServer model) throws IOException {
            Map<String, String> values = new HashMap<>(Map.of("TOKEN", token, "MODEL_URL", model.url(""),
                    "IMAGE_BASE64", ApiHandlerEventsTest.png(), "MODEL_BASE64", ApiHandlerEventsTest.modelBase64()));
            ApiHandler here = new ApiHandler(api);
            values.put("TASK_ID", EventFiles.JSON.readTree(EventFiles.call(here, EventFiles.event("create-recognition-task", values))
                    .getBody()).path("id").asText());
            values.put("FLOW_ID", EventFiles.JSON.readTree(EventFiles.call(here, EventFiles.event("create-flow", values))
                    .getBody()).path("id").asText());
            return values;
        }

        /** Writes each named event, filled with {@code values}, to a file; their paths. */
        static List<String> events(Path tmp, Map<String, String> values, String... names) throws IOException {
            List<String> files = new ArrayList<>();
            for (String name : names) {
                Path file = tmp.resolve(name + "-" + files.size() + ".json");
                Files.writeString(file, EventFiles.text(name, values));
                files.add(file.toString());
            }
            return files;
        }
    }

    @Test
    void freshJvmOnTheJarAnswersEvents(@TempDir Path tmp) throws Exception {
        Deployment d = Deployment.create(tmp);
        try (FakeModelServer model = FakeModelServer.start().classify("/classify", Map.of("Shirt", 0.7, "Pants", 0.3));
             Api api = d.loopbackApi()) {
            // the task and flow are made here, the child process only reads them from the tables
            Map<String, String> values = d.httpTaskFlow(api, model);

            FreshJvm.Result r = FreshJvm.run(JAR, ApiJarMain.class, d.env(), Deployment.events(tmp, values,
                    "authorize", "process-flow", "process-flow", "error-bad-token", "upload-model", "flow-builder"), tmp);
            assertThat(r.exit()).as(r.lines() + r.stderr()).isZero();
            assertThat(r.stderr()).doesNotContain("onnxruntime").doesNotContain("NoClassDefFoundError");
            List<String> lines = r.answers();
            assertThat(lines).as(r.lines().toString()).hasSize(6);
            assertThat(lines.get(0)).startsWith("200 ").contains("\"user_id\":\"acct-jar\"");
            assertThat(lines.get(1)).startsWith("200 ").contains("\"best_label\"").contains("Shirt");
            assertThat(lines.get(2)).startsWith("200 ");
            assertThat(lines.get(3)).startsWith("401 ");
            // a model cannot be checked without ONNX Runtime: refused, and nothing is stored
            assertThat(lines.get(4)).startsWith("501 ").contains("ONNX Runtime");
            // the flow builder is in the jar, served at / (the HTTP API sends / to this function)
            assertThat(lines.get(5)).startsWith("200 ").containsIgnoringCase("<html");
            System.out.printf("fresh JVM on %s (%d bytes): first answer %d ms after JVM start, process ends after %d ms; per event ms: %s%n",
                    JAR.getFileName(), Files.size(JAR), r.stat("first-answer"), r.millis(),
                    lines.stream().map(l -> l.split(" ")[1]).toList());
        }
    }

    @Test
    void freshJvmOnTheJarSendsModelStepsToTheWorkerFunction(@TempDir Path tmp) throws Exception {
        Deployment d = Deployment.create(tmp);
        Map<String, String> workerEnv = new HashMap<>(d.env());
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        try (LambdaInvokeServer lambda = LambdaInvokeServer.start();
             var runners = new io.visionflow.task.BackendRunners(key -> d.stores().blobs().localFile(key));
             Api api = Api.create(c -> {
                 c.stores = d.stores();
                 c.runners = runners;
             })) {
            lambda.function("vf-model", new ModelWorkerHandler(WorkerEnvironment.create(workerEnv, ServiceCatalog.empty())));
            ApiHandler here = new ApiHandler(api);
            Map<String, String> values = new HashMap<>(Map.of("TOKEN", d.token(), "IMAGE_BASE64", ApiHandlerEventsTest.png(),
                    "MODEL_BASE64", ApiHandlerEventsTest.modelBase64()));
            String model = EventFiles.JSON.readTree(EventFiles.call(here, EventFiles.event("upload-model", values)).getBody())
                    .path("id").asText();
            var task = api.handle(io.visionflow.api.ApiRequest.json("POST", "/recognition/v2/task/", d.token(), """
                    {"name": "colour", "labels": ["red", "green", "blue"], "backend": {"kind": "onnx", "model": "%s",
                     "preprocessing": {"width": 32, "height": 32}, "output": {"decoder": "classifier", "activation": "softmax"}}}"""
                    .formatted(model))).bodyJson();
            values.put("TASK_ID", task.path("id").asText());
            values.put("FLOW_ID", EventFiles.JSON.readTree(EventFiles.call(here, EventFiles.event("create-flow", values))
                    .getBody()).path("id").asText());
            String inProcess = EventFiles.JSON.readTree(EventFiles.call(here, EventFiles.event("process-flow", values)).getBody())
                    .path("records").toString();

            Map<String, String> env = new HashMap<>(d.env());
            env.put(LambdaStepInvoker.MODEL_WORKER, "vf-model:live");
            env.put(LambdaStepInvoker.LAMBDA_ENDPOINT, lambda.endpoint().toString());
            FreshJvm.Result r = FreshJvm.run(JAR, ApiJarMain.class, env, Deployment.events(tmp, values,
                    "process-flow", "process-flow"), tmp);
            assertThat(r.exit()).as(r.lines() + r.stderr()).isZero();
            assertThat(r.stderr()).doesNotContain("NoClassDefFoundError");
            List<String> lines = r.answers();
            assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("200 ").contains("\"code\":200"));
            String records = EventFiles.JSON.readTree(lines.get(0).substring(lines.get(0).indexOf('{'))).path("records").toString();
            assertThat(records).isEqualTo(inProcess).contains("\"best_label\"");
            assertThat(lambda.calls).hasSize(2);
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }
}
