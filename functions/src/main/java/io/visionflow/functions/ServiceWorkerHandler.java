package io.visionflow.functions;

import io.visionflow.service.ServiceCatalog;
import io.visionflow.worker.StepWorker;
import org.crac.Core;

/** The service worker: the built-in image services of DESIGN section 2. */
public final class ServiceWorkerHandler extends WorkerHandler {
    private final Priming.Worker priming = new Priming.Worker(this::worker);

    public ServiceWorkerHandler() {
        super(() -> WorkerEnvironment.create(System.getenv(), ServiceCatalog.empty()));
        Core.getGlobalContext().register(priming);
    }

    public ServiceWorkerHandler(StepWorker worker) {
        super(() -> worker);
    }
}
