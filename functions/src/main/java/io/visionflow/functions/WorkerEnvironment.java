package io.visionflow.functions;

import io.visionflow.image.BlobImageStore;
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

/**
 * Builds a worker function's {@link StepWorker} from its environment: the bucket of models and
 * images (models are copied to /tmp once per instance and their sessions kept while it is warm).
 * A worker needs no table: the driver sends the task with the step.
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
        String bucket = env.get(ApiEnvironment.BUCKET);
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("environment variable " + ApiEnvironment.BUCKET + " is not set");
        }
        S3BlobStore blobs = new S3BlobStore(Lazy.of(() -> S3BlobStore.client(env)), bucket,
                Path.of(System.getProperty("java.io.tmpdir"), "visionflow-blobs"));
        ModelSource models = BlobModelSource.byKey(blobs);
        BackendRunners runners = new BackendRunners(models, threads(env), HttpTaskRunner.Settings.DEFAULTS.withPolicy(OutboundPolicy.fromEnvironment(env)));
        BlobImageStore.Cache cache = new BlobImageStore.Cache();
        return new StepWorker(runners, services, account -> new BlobImageStore(blobs, account, cache), models);
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
