package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import io.visionflow.flow.ListAction;

/** A list only schedules its actions, concurrently or in order, in its own scope. */
final class ListStep implements Step<ListAction> {
    @Override
    public StepOutcome run(ListAction action, StepInput input, StepContext context) {
        return StepOutcome.children(action.mode(), action.actions().stream()
                .map(a -> new ChildStep(JsonPointer.empty(), a, input.image(), input.frame()))
                .toList());
    }
}
