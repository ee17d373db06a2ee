package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.visionflow.worker.StepWorker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * A worker function: the step's JSON in, its outcome's JSON out, as raw streams (no reflective
 * event mapping). The worker is built on the first step, or at SnapStart's checkpoint, and kept
 * for the warm ones with its model sessions.
 */
abstract class WorkerHandler implements RequestStreamHandler {
    private final Supplier<StepWorker> worker;

    WorkerHandler(Supplier<StepWorker> worker) {
        this.worker = Lazy.of(worker);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        output.write(worker.get().handle(input.readAllBytes()));
    }

    StepWorker worker() {
        return worker.get();
    }
}
