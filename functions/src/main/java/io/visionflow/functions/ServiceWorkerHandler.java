package io.visionflow.functions;

import io.visionflow.telemetry.JsonLogFormatter;
import io.visionflow.worker.StepWorker;
import org.crac.Core;

/**
 * The service worker: the built-in image services of DESIGN section 2, on the models of its layer
 * ({@value WorkerEnvironment#MODELS_DIR}, /opt/models by default); invoked with one step by the
 * sync driver, or with the SQS events of the service step queue (async runs).
 */
public final class ServiceWorkerHandler extends WorkerHandler {
    final Priming.Worker priming = new Priming.Worker(this::worker, this::steps);

    public ServiceWorkerHandler() {
        super(() -> WorkerEnvironment.worker(System.getenv(), WorkerEnvironment.services(System.getenv())));
        // one JSON object per log line, with the request id, as the API jar's functions log
        JsonLogFormatter.install();
        Core.getGlobalContext().register(priming);
        Warmup.warm(System.getenv(), priming.parts());
    }

    public ServiceWorkerHandler(StepWorker worker) {
        super(worker);
    }

    /** For tests and other hosts: a ready worker, taking step messages too when its environment names the queues. */
    public ServiceWorkerHandler(WorkerEnvironment.Worker worker) {
        super(() -> worker);
    }
}
