package io.visionflow.functions;

import io.visionflow.worker.StepWorker;
import org.crac.Core;

/**
 * The service worker: the built-in image services of DESIGN section 2, on the models of its layer
 * ({@value WorkerEnvironment#MODELS_DIR}, /opt/models by default).
 */
public final class ServiceWorkerHandler extends WorkerHandler {
    final Priming.Worker priming = new Priming.Worker(this::worker);

    public ServiceWorkerHandler() {
        super(() -> WorkerEnvironment.create(System.getenv(), WorkerEnvironment.services(System.getenv())));
        Core.getGlobalContext().register(priming);
    }

    public ServiceWorkerHandler(StepWorker worker) {
        super(() -> worker);
    }
}
