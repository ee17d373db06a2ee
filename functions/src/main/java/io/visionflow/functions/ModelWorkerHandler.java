package io.visionflow.functions;

import io.visionflow.service.ServiceCatalog;
import io.visionflow.worker.StepWorker;
import org.crac.Core;

/**
 * The model worker: recognition, detection and selector steps, on ONNX Runtime (onnx tasks) or a
 * remote model server (http tasks).
 */
public final class ModelWorkerHandler extends WorkerHandler {
    // org.crac holds resources weakly: the handler keeps its own alive
    final Priming.Worker priming = new Priming.Worker(this::worker);

    public ModelWorkerHandler() {
        super(() -> WorkerEnvironment.create(System.getenv(), ServiceCatalog.empty()));
        Core.getGlobalContext().register(priming);
    }

    /** For tests and other hosts: a ready worker. */
    public ModelWorkerHandler(StepWorker worker) {
        super(() -> worker);
    }
}
