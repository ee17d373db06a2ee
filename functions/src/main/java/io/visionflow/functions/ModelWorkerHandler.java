package io.visionflow.functions;

import io.visionflow.service.ServiceCatalog;
import io.visionflow.telemetry.JsonLogFormatter;
import io.visionflow.worker.StepWorker;
import org.crac.Core;

/**
 * The model worker: recognition, detection and selector steps, on ONNX Runtime (onnx tasks) or a
 * remote model server (http tasks); invoked with one step by the sync driver, or with the SQS
 * events of the model step queue (async runs).
 */
public final class ModelWorkerHandler extends WorkerHandler {
    // org.crac holds resources weakly: the handler keeps its own alive
    final Priming.Worker priming = new Priming.Worker(this::worker, this::steps);

    public ModelWorkerHandler() {
        super(() -> WorkerEnvironment.worker(System.getenv(), ServiceCatalog.empty()));
        // one JSON object per log line, with the request id, as the API jar's functions log
        JsonLogFormatter.install();
        Core.getGlobalContext().register(priming);
        Warmup.warm(System.getenv(), priming.parts());
    }

    /** For tests and other hosts: a ready worker that takes steps only. */
    public ModelWorkerHandler(StepWorker worker) {
        super(worker);
    }

    /** For tests and other hosts: a ready worker, taking step messages too when its environment names the queues. */
    public ModelWorkerHandler(WorkerEnvironment.Worker worker) {
        super(() -> worker);
    }
}
