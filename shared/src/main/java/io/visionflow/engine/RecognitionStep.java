package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Recognition;
import io.visionflow.task.Classification;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.util.List;

/** Classifies the scope's image and writes {@code {best_label, labels}}; one credit. */
final class RecognitionStep implements Step<Recognition> {
    @Override
    public StepOutcome run(Recognition action, StepInput input, StepContext context) throws StepFailure {
        Task task = context.task(action.task(), TaskKind.CLASSIFICATION);
        Classification result = context.classify(task, input.image());
        ObjectNode writes = Results.object();
        writes.set(action.outputField(), Results.classification(result, action.topK()));
        return StepOutcome.of(writes, List.of(new Charge(action.id(), task.id(), PriceTable.TASK_CALL)));
    }
}
