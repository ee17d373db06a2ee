package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.flow.ServiceCall;
import io.visionflow.service.ImageService;
import io.visionflow.task.TaskException;

import java.util.List;
import java.util.stream.Collectors;

/** Calls a built-in image service and writes its output; charged at the service's price. */
final class ServiceStep implements Step<ServiceCall> {
    @Override
    public StepOutcome run(ServiceCall action, StepInput input, StepContext context) throws StepFailure {
        ImageService service = context.service(action.service());
        ObjectNode params = action.params() == null ? JsonNodeFactory.instance.objectNode() : action.params();
        List<Problem> problems = service.validate(params);
        if (!problems.isEmpty()) {
            // flows saved before a service's rules changed are checked again here
            throw new StepFailure(400, "service \"" + action.service() + "\": " + problems.stream()
                    .map(p -> "params." + p).collect(Collectors.joining("; ")));
        }
        JsonNode out;
        try {
            out = service.run(context.load(input.image()), params, context.serviceContext());
        } catch (TaskException e) {
            throw new StepFailure(e.status(), "service \"" + action.service() + "\" failed: " + e.getMessage(), e);
        }
        ObjectNode writes = Results.object();
        writes.set(action.outputField(), out);
        return StepOutcome.of(writes, List.of(new Charge(action.id(), "service:" + action.service(),
                PriceTable.service(action.service()))));
    }
}
