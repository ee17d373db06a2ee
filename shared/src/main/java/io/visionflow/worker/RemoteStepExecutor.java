package io.visionflow.worker;

import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepExecutor;
import io.visionflow.engine.StepFailure;
import io.visionflow.engine.StepInput;
import io.visionflow.engine.StepOutcome;
import io.visionflow.engine.Steps;

import java.util.Optional;

/**
 * Runs control steps here and sends model and service steps to their worker: what the cloud's API
 * function plugs into the in-process driver, which keeps deciding order, concurrency and deadlines.
 * The context's image store must be one the workers can read (blobs), since only references travel.
 */
public final class RemoteStepExecutor implements StepExecutor {
    private final StepInvoker invoker;

    public RemoteStepExecutor(StepInvoker invoker) {
        this.invoker = invoker;
    }

    @Override
    public StepOutcome execute(StepInput input, StepContext context) throws StepFailure {
        Optional<WorkerKind> worker = WorkerKind.of(input.action());
        if (worker.isEmpty()) {
            return Steps.execute(input, context);
        }
        byte[] reply = invoker.invoke(worker.get(), StepCodec.request(input, context));
        return StepCodec.outcome(reply, input.action());
    }
}
