package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.async.AsyncSteps;
import io.visionflow.api.RateLimit;
import io.visionflow.telemetry.EmfMetrics;
import io.visionflow.image.BlobImageStore;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.service.BuiltinRules;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.worker.RemoteModelChecks;
import io.visionflow.worker.RemoteStepExecutor;
import io.visionflow.worker.WorkerKind;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Builds the API function's {@link Api} from its environment variables (set by template.yaml, or
 * pointed at emulators for tests and {@code sam local}). Credentials come from the SDK's default
 * chain, never from here. The control function and the dead-letter function are built the same
 * way: they continue async runs with what the API function has ({@link StepsEnvironment}).
 */
public final class ApiEnvironment {
    public static final String TABLE_PREFIX = "VISIONFLOW_TABLE_PREFIX";
    public static final String BUCKET = "VISIONFLOW_BUCKET";
    public static final String DYNAMODB_ENDPOINT = "VISIONFLOW_DYNAMODB_ENDPOINT";
    public static final String MAX_RECORDS = "VISIONFLOW_MAX_RECORDS";
    /**
     * Requests per account and second, {@code N/s} or {@code N/s,BURST}; unset: no limit. Each
     * instance of the function keeps its own buckets (README "Safety").
     */
    public static final String RATE_LIMIT = "VISIONFLOW_RATE_LIMIT";
    /** A request must end before the function's own timeout (29 s in template.yaml) cuts it off. */
    static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(25);

    private ApiEnvironment() {
    }

    public static Api create(Map<String, String> env) {
        return create(env, c -> { });
    }

    /**
     * As {@link #create(Map)}, then {@code more} changes the configuration before the Api is built
     * (tests and other hosts: a service catalog to check flows against, say).
     */
    static Api create(Map<String, String> env, java.util.function.Consumer<Api.Config> more) {
        String prefix = required(env, TABLE_PREFIX);
        String bucket = required(env, BUCKET);
        DynamoStores dynamo = DynamoStores.of(dynamoClient(env), prefix);
        // /tmp survives warm invocations, so a blob is fetched once per instance
        // the S3 and Lambda clients are built on first use: most requests need neither
        S3BlobStore blobs = new S3BlobStore(Lazy.of(() -> S3BlobStore.client(env)), bucket,
                Path.of(System.getProperty("java.io.tmpdir"), "visionflow-blobs"));
        int maxRecords = maxRecords(env);
        Map<WorkerKind, String> workers = workers(env);
        // public addresses only, unless VISIONFLOW_ALLOW_LOOPBACK=true (never set by template.yaml)
        OutboundPolicy outbound = OutboundPolicy.fromEnvironment(env);
        RateLimit rateLimit = rateLimit(env);
        return Api.create(c -> {
            c.rateLimit = rateLimit;
            // one EMF line per request on standard output: CloudWatch Logs makes the metrics, no API call
            c.metrics = new EmfMetrics(System.out::println, java.time.Clock.systemUTC());
            c.stores = dynamo.stores(blobs);
            c.outbound = outbound;
            c.runners = new HttpOnlyRunners(HttpTaskRunner.Settings.DEFAULTS.withPolicy(outbound));
            c.maxRecords = maxRecords;
            c.deadline = DEADLINE;
            if (!workers.isEmpty()) {
                // model and service steps run in the worker functions; they read the images from S3
                LambdaStepInvoker invoker = new LambdaStepInvoker(() -> LambdaStepInvoker.client(env, DEADLINE), workers);
                c.executor = new RemoteStepExecutor(invoker);
                if (workers.containsKey(WorkerKind.MODEL)) {
                    // no ONNX Runtime here: uploads and onnx tasks are checked by the model worker
                    c.modelChecks = new RemoteModelChecks(invoker);
                }
            }
            // async requests as step messages on the step queues, their runs in <prefix>runs
            StepsEnvironment.configure(c, env, dynamo);
            if (workers.containsKey(WorkerKind.SERVICE)
                    || StepsEnvironment.queues(env).containsKey(AsyncSteps.kind(WorkerKind.SERVICE))) {
                // service steps run in the service worker: flows are checked against the built-in
                // services' rules, which need no ONNX Runtime
                c.serviceRules = BuiltinRules.INSTANCE;
            }
            if (imagesInS3(env)) {
                // steps run in other functions, which read the images from S3
                BlobImageStore.Cache none = new BlobImageStore.Cache(0); // the API function never reads them back
                c.images = account -> new BlobImageStore(blobs, account, none);
            }
            more.accept(c);
        });
    }

    /**
     * Whether a request's images go to S3: when worker functions or step queues are named, steps
     * run in other functions, which read them from there.
     */
    static boolean imagesInS3(Map<String, String> env) {
        return !workers(env).isEmpty() || StepsEnvironment.named(env);
    }

    /**
     * The worker functions named by the environment. Without any, every step runs in the API
     * function itself, which then runs http tasks only (a deployment without workers).
     */
    static Map<WorkerKind, String> workers(Map<String, String> env) {
        Map<WorkerKind, String> workers = new EnumMap<>(WorkerKind.class);
        for (var e : Map.of(WorkerKind.MODEL, LambdaStepInvoker.MODEL_WORKER,
                WorkerKind.SERVICE, LambdaStepInvoker.SERVICE_WORKER).entrySet()) {
            String name = env.get(e.getValue());
            if (name != null && !name.isBlank()) {
                workers.put(e.getKey(), name.trim());
            }
        }
        return workers;
    }

    static DynamoDbClient dynamoClient(Map<String, String> env) {
        return located(DynamoDbClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), env, DYNAMODB_ENDPOINT)
                .build();
    }

    /**
     * The builder in the region of {@code AWS_REGION} and at the endpoint {@code endpointVariable}
     * names (an emulator), when they are set.
     */
    static <B extends AwsClientBuilder<B, ?>> B located(B builder, Map<String, String> env, String endpointVariable) {
        String region = env.get(S3BlobStore.REGION_VARIABLE);
        if (region != null && !region.isBlank()) {
            builder.region(Region.of(region));
        }
        String endpoint = env.get(endpointVariable);
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder;
    }

    static RateLimit rateLimit(Map<String, String> env) {
        String value = env.get(RATE_LIMIT);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return RateLimit.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("environment variable " + RATE_LIMIT + ": " + e.getMessage(), e);
        }
    }

    static int maxRecords(Map<String, String> env) {
        return wholeNumber(env, MAX_RECORDS, 1, 10, 10);
    }

    /** A whole-number variable within {@code [min, max]}, {@code otherwise} when unset; anything else stops the function. */
    static int wholeNumber(Map<String, String> env, String name, int min, int max, int otherwise) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("environment variable " + name + " must be a whole number from " + min + " to "
                + max + ", found \"" + value + "\"");
    }

    static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set");
        }
        return value;
    }
}
