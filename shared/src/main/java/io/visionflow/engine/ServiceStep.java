package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.ServiceCall;
import io.visionflow.service.ImageService;
import io.visionflow.task.TaskException;

import java.util.List;

/** Calls a built-in image service and writes its output; charged at the service's price. */
final class ServiceStep implements Step<ServiceCall> {
    @Override
    public StepOutcome run(ServiceCall action, StepInput input, StepContext context) throws StepFailure {
        ImageService service = context.service(action.service());
        ObjectNode params = action.params() == null ? JsonNodeFactory.instance.objectNode() : action.params();
        JsonNode out;
        try {
            out = service.run(context.load(input.image()), params);
        } catch (TaskException e) {
            throw new StepFailure(e.status(), "service \"" + action.service() + "\" failed: " + e.getMessage(), e);
        }
        ObjectNode writes = Results.object();
        writes.set(action.outputField(), out);
        return StepOutcome.of(writes, List.of(new Charge(action.id(), "service:" + action.service(),
                PriceTable.service(action.service()))));
    }
}
