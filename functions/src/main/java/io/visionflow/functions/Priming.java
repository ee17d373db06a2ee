package io.visionflow.functions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Charge;
import io.visionflow.engine.Frame;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepInput;
import io.visionflow.engine.StepOutcome;
import io.visionflow.flow.FlowValidator;
import io.visionflow.image.ImageDecoder;
import io.visionflow.image.ImageException;
import io.visionflow.image.ImageRef;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.worker.StepCodec;
import io.visionflow.worker.StepWorker;
import io.visionflow.worker.WorkerKind;
import org.crac.Context;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import org.crac.Resource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * SnapStart priming ({@code beforeCheckpoint}): builds the function's engine from its environment
 * and runs the code paths of a request that touch no network — routing, auth refusal, the error
 * envelope, event translation, flow parsing and validation, the step codec, image decoding, the
 * AWS clients' calls up to the wire — so their classes are loaded and Jackson's serializers built
 * in the snapshot. It makes no AWS call, so no credentials, connections or DNS answers are
 * captured; it creates no {@code java.util.Random} (request ids come from {@code SecureRandom},
 * which reads fresh entropy on every call). The parts run in parallel ({@link Warmup}), and on a
 * cold start without SnapStart the handler's constructor runs them before init ends.
 */
final class Priming {
    private static final System.Logger LOG = System.getLogger(Priming.class.getName());
    private static final String FLOW = """
            {"name": "priming", "image_size": 512, "top_node": {"type": "list", "mode": "parallel", "actions": [
              {"type": "recognition", "id": "r", "task": "t", "output_field": "label"},
              {"type": "branch_selector", "id": "b", "task": "t", "field": "f", "branches": [
                {"label": "x", "action": {"type": "detection", "id": "d", "task": "t", "output_field": "objects"}}]},
              {"type": "object_selector", "id": "o", "task": "t",
               "action": {"type": "service", "id": "s", "service": "dominant_colors", "output_field": "colours"}}]}}""";

    private Priming() {
    }

    /** The API function's priming. */
    static final class ApiResource implements Resource {
        private final Supplier<io.visionflow.api.Api> api;

        ApiResource(Supplier<io.visionflow.api.Api> api) {
            this.api = api;
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) {
            Warmup.run(parts());
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) {
        }

        /**
         * The rehearsals, in parts that may run at once: the Api's own requests; its tables and
         * queues behind TLS; the outbound HTTP client (http tasks, webhooks), S3 and the worker functions.
         */
        List<Runnable> parts() {
            Map<String, String> env = System.getenv();
            return List.of(() -> prime(api.get()), () -> {
                primeTls();
                primeTables(env);
                primeQueues(env);
            }, () -> {
                primeHttpClient();
                if (ApiEnvironment.imagesInS3(env)) {
                    primeBlobs(env);
                }
                primeInvoker(env);
            });
        }
    }

    /** A worker function's priming: its step worker, and the engine of its step messages when it takes them. */
    static final class Worker implements Resource {
        private final Supplier<StepWorker> worker;
        private final Supplier<Optional<io.visionflow.api.Api>> steps;

        Worker(Supplier<StepWorker> worker) {
            this(worker, Optional::empty);
        }

        Worker(Supplier<StepWorker> worker, Supplier<Optional<io.visionflow.api.Api>> steps) {
            this.worker = worker;
            this.steps = steps;
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) {
            Warmup.run(parts());
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) {
        }

        /**
         * The rehearsals, in parts that may run at once: the worker's (with ONNX Runtime); S3's
         * behind TLS and the outbound HTTP client (http tasks); and, when it takes step messages, its engine's with the tables and queues.
         */
        List<Runnable> parts() {
            Map<String, String> env = System.getenv();
            return List.of(() -> prime(worker.get()), () -> {
                primeTls();
                primeBlobs(env);
                primeHttpClient();
            }, () -> steps.get().ifPresent(api -> {
                prime(api);
                primeTables(env);
                primeQueues(env);
            }));
        }
    }

    /**
     * Runs the table stores' reads and a usage charge on a DynamoDB client that stops every call
     * before it is sent ({@code beforeTransmission}) and signs with made-up credentials: the SDK's
     * marshalling, endpoint rules and signing, and the stores' own code, are loaded and compiled
     * without a connection, a DNS lookup or the function's real credentials. Returns how many calls
     * it stopped.
     */
    static int primeTables(Map<String, String> env) {
        Rehearsal rehearsal = new Rehearsal();
        DynamoStores.rehearseCodecs();
        try (DynamoDbClient client = rehearsal.client(ApiEnvironment.located(DynamoDbClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()), env, ApiEnvironment.DYNAMODB_ENDPOINT), env).build()) {
            DynamoStores tables = DynamoStores.of(client, env.getOrDefault(ApiEnvironment.TABLE_PREFIX, "priming-"));
            io.visionflow.store.Stores stores = tables.stores(null);
            List<Runnable> calls = new java.util.ArrayList<>(List.of(
                    () -> stores.accounts().accountOfToken("0".repeat(64)),
                    () -> stores.flows().get("priming", "flow"),
                    () -> stores.tasks().get("priming", "task"),
                    () -> stores.requests().get("priming", "request"),
                    () -> stores.usage().charge("priming", java.time.LocalDate.EPOCH, "flow", 1, "priming")));
            if (StepsEnvironment.named(env)) {
                // a function that handles step messages reads and writes the runs table on every one
                var runs = tables.asyncState(java.time.Clock.systemUTC());
                calls.add(() -> runs.run("priming"));
                calls.add(() -> runs.putStep("priming", "0", new byte[1], new byte[1]));
                calls.add(() -> runs.childDone("priming", "0", "0.0"));
            }
            return rehearsal.run(calls);
        }
    }

    /**
     * Reads and writes a blob on an S3 client of the environment's, stopped before the wire as
     * {@link #primeTables}'s is (images and models live in S3); returns how many calls it stopped
     * (0 when no bucket is named).
     */
    static int primeBlobs(Map<String, String> env) {
        String bucket = env.get(ApiEnvironment.BUCKET);
        if (bucket == null || bucket.isBlank()) {
            return 0;
        }
        Rehearsal rehearsal = new Rehearsal();
        try (var client = rehearsal.client(S3BlobStore.builder(env), env).build()) {
            S3BlobStore blobs = new S3BlobStore(client, bucket, null);
            byte[] image = new byte[1];
            return rehearsal.run(List.of(() -> blobs.put("priming", "image", image),
                    () -> blobs.get(io.visionflow.store.BlobKeys.keyOf("priming", "image", image))));
        }
    }

    /** The JVM's default TLS context with its trust store: every AWS call is HTTPS. Connects nowhere. */
    static void primeTls() {
        try {
            javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context", e);
        }
    }

    /**
     * One request of the outbound client (http tasks, {@code _url} images, webhooks) to a server on
     * loopback that this method runs: loads and links the whole path, connection pool, request
     * writer and response parser included. Connects nowhere else.
     */
    static void primeHttpClient() {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             io.visionflow.net.OutboundHttp http = io.visionflow.net.OutboundHttp.create(
                     io.visionflow.net.OutboundPolicy.publicAnd(io.visionflow.net.AddressClassifier.Kind.LOOPBACK))) {
            Thread.ofVirtual().name("priming-http").start(() -> {
                try (java.net.Socket s = server.accept()) {
                    var in = s.getInputStream();
                    // the head ends with a blank line, then the 2-byte body
                    for (int matched = 0, c; matched < 4 && (c = in.read()) >= 0; ) {
                        matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
                    }
                    in.readNBytes(2);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    // the client side reports it
                }
            });
            var response = http.send(io.visionflow.net.OutboundHttp.Request.post(
                            java.net.URI.create("http://127.0.0.1:" + server.getLocalPort() + "/priming"),
                            Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.US_ASCII)),
                    java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5),
                    io.visionflow.net.OutboundHttp.BodyLimit.upTo(1024));
            if (response.status() != 200) {
                throw new IllegalStateException("priming request answered " + response.status());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("priming request failed: " + e.getMessage(), e);
        }
    }

    /**
     * Invokes the model worker the environment names, on a Lambda client stopped before the wire as
     * {@link #primeTables}'s is; returns how many calls it stopped (0 when no worker is named).
     */
    static int primeInvoker(Map<String, String> env) {
        Map<WorkerKind, String> workers = ApiEnvironment.workers(env);
        if (workers.isEmpty()) {
            return 0;
        }
        Rehearsal rehearsal = new Rehearsal();
        try (var client = rehearsal.client(ApiEnvironment.located(software.amazon.awssdk.services.lambda.LambdaClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()), env, LambdaStepInvoker.LAMBDA_ENDPOINT), env).build()) {
            LambdaStepInvoker invoker = new LambdaStepInvoker(client, workers);
            return rehearsal.run(workers.keySet().stream().<Runnable>map(kind -> () -> {
                try {
                    invoker.invoke(kind, "{\"v\": 1}".getBytes(StandardCharsets.UTF_8));
                } catch (io.visionflow.engine.StepFailure expected) {
                    // the call ended at the interceptor
                }
            }).toList());
        }
    }

    /**
     * Sends a step message to each step queue the environment names, on an SQS client stopped
     * before the wire as {@link #primeTables}'s is; returns how many sends it stopped (0 when no
     * queue is named).
     */
    static int primeQueues(Map<String, String> env) {
        Map<String, String> queues = StepsEnvironment.queues(env);
        if (queues.isEmpty()) {
            return 0;
        }
        Rehearsal rehearsal = new Rehearsal();
        int stopped;
        try (var client = rehearsal.client(ApiEnvironment.located(software.amazon.awssdk.services.sqs.SqsClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()), env, StepsEnvironment.SQS_ENDPOINT), env).build()) {
            var queue = new io.visionflow.async.sqs.RoutedSqsStepQueue(() -> client, queues);
            List<Runnable> calls = new java.util.ArrayList<>();
            for (String kind : queues.keySet()) {
                byte[] message = ("{\"run\": \"priming\", \"record\": 0, \"kind\": \"" + kind + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                calls.add(() -> queue.send(message));
                calls.add(() -> queue.sendAll(List.of(message, message)));
            }
            stopped = rehearsal.run(calls);
            // the SQS event of a step queue, read as the consumers read it (handled by no one here)
            byte[] event = "{\"Records\": [{\"messageId\": \"priming\", \"body\": \"{}\", \"eventSource\": \"aws:sqs\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            if (SqsEvents.isSqsEvent(event)) {
                SqsEvents.steps(new ObjectMapper().readTree(event), message -> { });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stopped;
    }


    private static final StaticCredentialsProvider PRIMING_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming"));

    private static Region region(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", "us-east-1");
        return Region.of(region.isBlank() ? "us-east-1" : region);
    }

    /**
     * One rehearsal's AWS client: the environment's region, made-up credentials, and an interceptor
     * that stops every call before it is sent ({@code beforeTransmission}, after marshalling and
     * signing) and counts it.
     */
    private static final class Rehearsal {
        private final java.util.concurrent.atomic.AtomicInteger stopped = new java.util.concurrent.atomic.AtomicInteger();

        <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B client(B builder, Map<String, String> env) {
            ExecutionInterceptor stop = new ExecutionInterceptor() {
                @Override
                public void beforeTransmission(software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
                                               ExecutionAttributes attributes) {
                    stopped.incrementAndGet();
                    throw new PrimingStop();
                }
            };
            return builder.region(region(env)).credentialsProvider(PRIMING_CREDENTIALS)
                    .overrideConfiguration(o -> o.addExecutionInterceptor(stop));
        }

        /** Makes each call (each ends at the interceptor); returns how many were stopped. */
        int run(List<Runnable> calls) {
            for (Runnable call : calls) {
                try {
                    call.run();
                } catch (RuntimeException expected) {
                    // the interceptor's stop, as the client or the store reports it
                }
            }
            return stopped.get();
        }
    }

    /** Thrown by the priming interceptor: the call was only rehearsed. */
    private static final class PrimingStop extends RuntimeException {
        PrimingStop() {
            super("priming: not sent", null, false, false);
        }
    }

    /** Primes an Api; returns the statuses it got (all 4xx: nothing here reaches a store). */
    static List<Integer> prime(io.visionflow.api.Api api) {
        common();
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("rawPath", "/flows/v2/process").put("rawQueryString", "priming=1");
        event.putObject("headers").put("Content-Type", "application/json");
        event.putObject("requestContext").putObject("http").put("method", "POST").put("path", "/flows/v2/process");
        event.put("body", "{\"flow\": \"priming\", \"records\": []}").put("isBase64Encoded", false);
        int unauthenticated = ApiHandler.toEvent(api.rehearse(ApiHandler.toRequest(event))).get("statusCode").asInt();
        event.put("rawPath", "/v2/no-such-route");
        int unknown = ApiHandler.toEvent(api.rehearse(ApiHandler.toRequest(event))).get("statusCode").asInt();
        LOG.log(System.Logger.Level.INFO, "primed the API function ({0}, {1})", unauthenticated, unknown);
        return List.of(unauthenticated, unknown);
    }

    /** Primes a worker with a step it refuses before any download (a reference to no image). */
    static void prime(StepWorker worker) {
        common();
        worker.handle("{\"v\": 1}".getBytes(StandardCharsets.UTF_8));
        loadOnnxRuntime();
        LOG.log(System.Logger.Level.INFO, "primed the worker");
    }

    /** What every function runs: flow JSON, validation, the step codec both ways, image codecs. */
    private static void common() {
        try {
            ObjectMapper json = new ObjectMapper();
            FlowValidator validator = new FlowValidator(id -> Optional.empty(), id -> Optional.empty(),
                    Set.of("dominant_colors"), FlowValidator.Limits.defaults());
            validator.validate(json.readTree(FLOW), null);
            var parsed = io.visionflow.flow.FlowParser.parse(json.readTree(FLOW));
            ImageRef image = new ImageRef("priming/image/0", 1, 1);
            StepInput input = new StepInput(parsed.definition().topNode(), JsonNodeFactory.instance.objectNode(),
                    image, Frame.IDENTITY, image);
            StepContext context = new StepContext("priming", id -> Optional.empty(), id -> Optional.empty(),
                    task -> null, null, ServiceCatalog.empty());
            StepCodec.readRequest(StepCodec.request(input, context));
            StepCodec.outcome(StepCodec.outcome(StepOutcome.of(JsonNodeFactory.instance.objectNode(),
                    List.of(new Charge("r", "t", 1))), input.action()), input.action());
            BufferedImage pixel = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            for (String format : List.of("png", "jpeg")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageIO.write(pixel, format, out);
                ImageDecoder.decode(out.toByteArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ImageException | io.visionflow.engine.StepFailure e) {
            throw new IllegalStateException("priming failed: " + e.getMessage(), e);
        }
    }

    /** Loads ONNX Runtime's native library when the jar has it (the worker's; the API jar has not). */
    private static void loadOnnxRuntime() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment").getMethod("getEnvironment").invoke(null);
        } catch (ClassNotFoundException e) {
            // a jar without ONNX Runtime: nothing to load
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "ONNX Runtime did not load at priming: " + e);
        }
    }
}
