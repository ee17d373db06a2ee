package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.ListAction;
import io.visionflow.flow.NestedFlow;

import java.util.List;

/** Runs another flow's top node in the same scope, as it was in the run's snapshot. */
final class NestedFlowStep implements Step<NestedFlow> {
    @Override
    public StepOutcome run(NestedFlow action, StepInput input, StepContext context) throws StepFailure {
        FlowDefinition nested = context.flows().find(action.flow()).orElseThrow(() ->
                new StepFailure(409, "nested flow \"" + action.flow() + "\" no longer exists; the flow is not valid"));
        return StepOutcome.children(ListAction.Mode.SEQUENCE,
                List.of(new ChildStep(JsonPointer.empty(), nested.topNode(), input.image(), input.frame())));
    }
}
