package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.api.Api;
import io.visionflow.worker.StepWorker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A worker function, as raw streams (no reflective event mapping). Invoked directly, a step's JSON
 * in and its outcome's JSON out (the sync driver); given an SQS event of its step queue, each
 * record's step message is handled by the async engine in this process, on the same runners
 * (the answer names the records to deliver again, {@link SqsEvents}). The worker is built during
 * init ({@link Warmup}), at SnapStart's checkpoint, or else on the first event, and
 * kept for the warm ones with its model sessions; so is the engine of step messages when queues are named.
 */
abstract class WorkerHandler implements RequestStreamHandler {
    // made on the first event: at class initialisation it would hold up the warm-up by a tenth of a second
    private final Supplier<ObjectMapper> json = Lazy.of(ObjectMapper::new);
    private final Supplier<StepWorker> worker;
    private final Supplier<Optional<Api>> steps;

    /** For Lambda: the worker of the environment, built on first use. */
    WorkerHandler(Supplier<WorkerEnvironment.Worker> environment) {
        Supplier<WorkerEnvironment.Worker> built = Lazy.of(environment);
        this.worker = () -> built.get().stepWorker();
        this.steps = () -> built.get().handlesStepMessages() ? Optional.of(built.get().api()) : Optional.empty();
    }

    /** For tests and other hosts: a worker that takes steps only, no step messages. */
    WorkerHandler(StepWorker worker) {
        this.worker = () -> worker;
        this.steps = Optional::empty;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] bytes = input.readAllBytes();
        if (SqsEvents.isSqsEvent(bytes)) {
            Api api = steps.get().orElseThrow(() -> new IllegalStateException("an SQS event, but this worker handles "
                    + "no step messages: environment variables " + StepsEnvironment.CONTROL_QUEUE_URL + " and "
                    + ApiEnvironment.TABLE_PREFIX + " must be set"));
            ObjectMapper json = this.json.get();
            json.writeValue(output, SqsEvents.steps(json.readTree(bytes), api.requests()::handle));
            return;
        }
        output.write(worker.get().handle(bytes));
    }

    StepWorker worker() {
        return worker.get();
    }

    /** The engine of step messages, when this worker handles them. */
    Optional<Api> steps() {
        return steps.get();
    }
}
