package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Detection;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.util.List;

/** Detects objects and writes them with boxes in pixels of the original image; one credit. */
final class DetectionStep implements Step<Detection> {
    @Override
    public StepOutcome run(Detection action, StepInput input, StepContext context) throws StepFailure {
        Task task = context.task(action.task(), TaskKind.DETECTION);
        List<DetectedObject> objects = context.detect(task, input.image(), action.keepProb());
        ArrayNode list = Results.array();
        // in the runner's order: by probability, or reading order for text lines
        for (DetectedObject o : objects) {
            if (o.prob() >= action.keepProb()) {
                list.add(Results.object(o, input.frame(), input.original()));
            }
        }
        ObjectNode writes = Results.object();
        writes.set(action.outputField(), list);
        return StepOutcome.of(writes, List.of(new Charge(action.id(), task.id(), PriceTable.TASK_CALL)));
    }
}
