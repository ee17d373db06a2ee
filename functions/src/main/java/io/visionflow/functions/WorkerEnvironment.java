package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.image.BlobImageStore;
import io.visionflow.image.ImageStore;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.service.BuiltinServices;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.task.onnx.PretrainedModels;
import io.visionflow.store.BlobModelSource;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.ModelSource;
import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.worker.StepWorker;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds a worker function's {@link StepWorker} from its environment: the bucket of models and
 * images (models are copied to /tmp once per instance and their sessions kept while it is warm).
 * A step invoked directly needs no table: the driver sends the task with the step. A step message
 * from the worker's step queue does ({@link Worker#api}): any worker may continue a run, so it
 * reads the run from {@code <prefix>runs}, and may end and charge the request.
 */
public final class WorkerEnvironment {
    /** Intra-op threads of each model session; defaults to the vCPUs Lambda gives the function. */
    public static final String ONNX_THREADS = "VISIONFLOW_ONNX_THREADS";
    /** Where the services' model files are: the layer template.yaml gives the service worker. */
    public static final String MODELS_DIR = "VISIONFLOW_MODELS_DIR";
    static final String DEFAULT_MODELS_DIR = "/opt/models";

    private WorkerEnvironment() {
    }

    public static StepWorker create(Map<String, String> env, ServiceCatalog services) {
        return worker(env, services).stepWorker();
    }

    /** The worker of this environment: its runners, services and images, for steps invoked and step messages alike. */
    public static Worker worker(Map<String, String> env, ServiceCatalog services) {
        return new Worker(env, services);
    }

    /**
     * What a worker function holds while it is warm: the runners with their model sessions, the
     * services and the images in S3, shared by the steps invoked directly ({@link #stepWorker}) and
     * the step messages of its queue ({@link #api}), so both run each model in this process.
     */
    public static final class Worker {
        private final Map<String, String> env;
        private final S3BlobStore blobs;
        private final BackendRunners runners;
        private final ServiceCatalog services;
        private final Function<String, ImageStore> images;
        private final OutboundPolicy outbound;
        private final StepWorker stepWorker;
        private final Supplier<Api> api;

        private Worker(Map<String, String> env, ServiceCatalog services) {
            String bucket = env.get(ApiEnvironment.BUCKET);
            if (bucket == null || bucket.isBlank()) {
                throw new IllegalStateException("environment variable " + ApiEnvironment.BUCKET + " is not set");
            }
            this.env = Map.copyOf(env);
            this.blobs = new S3BlobStore(Lazy.of(() -> S3BlobStore.client(env)), bucket,
                    Path.of(System.getProperty("java.io.tmpdir"), "visionflow-blobs"));
            ModelSource models = BlobModelSource.byKey(blobs);
            this.outbound = OutboundPolicy.fromEnvironment(env);
            this.runners = new BackendRunners(models, threads(env), HttpTaskRunner.Settings.DEFAULTS.withPolicy(outbound));
            this.services = services;
            BlobImageStore.Cache cache = new BlobImageStore.Cache();
            this.images = account -> new BlobImageStore(blobs, account, cache);
            this.stepWorker = new StepWorker(runners, services, images, models);
            this.api = Lazy.of(this::steps);
        }

        /** Runs the steps a driver invokes this function with. */
        public StepWorker stepWorker() {
            return stepWorker;
        }

        /** Whether the environment names step queues, so that this worker handles step messages. */
        public boolean handlesStepMessages() {
            return StepsEnvironment.named(env);
        }

        /**
         * The engine of the step messages this worker takes from its queue, built on the first one:
         * its steps run here, on this worker's runners, services and images; what they lead to is
         * sent on the step queues, and a run that ends here is charged, written and announced here.
         *
         * @throws IllegalStateException when the environment names no step queues or no tables
         */
        public Api api() {
            return api.get();
        }

        private Api steps() {
            String prefix = env.get(ApiEnvironment.TABLE_PREFIX);
            if (prefix == null || prefix.isBlank() || !StepsEnvironment.named(env)) {
                throw new IllegalStateException("this worker handles no step messages: environment variables "
                        + ApiEnvironment.TABLE_PREFIX + " and " + StepsEnvironment.CONTROL_QUEUE_URL + " must be set");
            }
            DynamoStores tables = DynamoStores.of(ApiEnvironment.dynamoClient(env), prefix);
            return Api.create(c -> {
                c.stores = tables.stores(blobs);
                c.outbound = outbound;
                c.runners = runners;
                c.services = services;
                c.images = images;
                StepsEnvironment.configure(c, env, tables);
            });
        }
    }

    /**
     * The built-in services on the models directory. Their models load on first use, and a missing
     * file fails only the calls of the service that needs it (503).
     */
    public static ServiceCatalog services(Map<String, String> env) {
        String dir = env.getOrDefault(MODELS_DIR, DEFAULT_MODELS_DIR);
        return BuiltinServices.open(PretrainedModels.modelSource(Path.of(dir)), threads(env),
                BuiltinServices.DEFAULT_UPSCALE_MAX_PIXELS).catalog();
    }

    static int threads(Map<String, String> env) {
        return ApiEnvironment.wholeNumber(env, ONNX_THREADS, 1, 64, Runtime.getRuntime().availableProcessors());
    }
}
