package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Action;
import io.visionflow.flow.Branch;
import io.visionflow.flow.BranchSelector;
import io.visionflow.flow.ListAction;
import io.visionflow.task.Classification;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks branches by the task's labels. A valid label already in {@code field} forces its branch
 * without calling the task (no credit); an invalid one fails the record naming the allowed labels.
 */
final class BranchSelectorStep implements Step<BranchSelector> {
    @Override
    public StepOutcome run(BranchSelector action, StepInput input, StepContext context) throws StepFailure {
        Task task = context.task(action.task(), TaskKind.CLASSIFICATION);
        JsonNode given = input.scope().get(action.field());
        if (given != null && !given.isNull()) {
            List<String> labels = forcedLabels(action, task, given);
            return StepOutcome.children(ListAction.Mode.PARALLEL, branches(action, labels, input));
        }
        Classification result = context.classify(task, input.image());
        ObjectNode writes = Results.object();
        List<String> chosen = new ArrayList<>();
        if (action.mode() == BranchSelector.Mode.BEST) {
            chosen.add(result.best().name());
            writes.put(action.field(), result.best().name());
        } else {
            ArrayNode names = writes.putArray(action.field());
            for (LabelProb l : result.labels()) {
                if (l.prob() >= action.threshold()) {
                    chosen.add(l.name());
                    names.add(l.name());
                }
            }
        }
        return new StepOutcome(writes, ListAction.Mode.PARALLEL, branches(action, chosen, input),
                List.of(new Charge(action.id(), task.id(), PriceTable.TASK_CALL)));
    }

    private static List<String> forcedLabels(BranchSelector action, Task task, JsonNode given) throws StepFailure {
        List<String> labels = new ArrayList<>();
        if (given.isTextual()) {
            labels.add(given.asText());
        } else if (given.isArray() && action.mode() == BranchSelector.Mode.THRESHOLD) {
            for (JsonNode n : given) {
                if (!n.isTextual()) {
                    throw invalid(action, task, n);
                }
                labels.add(n.asText());
            }
        } else {
            throw invalid(action, task, given);
        }
        for (String l : labels) {
            if (task.label(l).isEmpty()) {
                throw invalid(action, task, given.isArray() ? com.fasterxml.jackson.databind.node.TextNode.valueOf(l) : given);
            }
        }
        return labels;
    }

    private static StepFailure invalid(BranchSelector action, Task task, JsonNode value) {
        return new StepFailure(400, action.field() + ": " + value + " is not a label of task \"" + task.name()
                + "\" (labels: " + String.join(", ", task.labelNames()) + ")");
    }

    private static List<ChildStep> branches(BranchSelector action, List<String> labels, StepInput input) {
        List<ChildStep> children = new ArrayList<>();
        for (String label : labels) {
            action.branch(label).map(Branch::action).ifPresent(a -> children.add(child(a, input)));
        }
        if (children.isEmpty() && action.defaultAction() != null) {
            children.add(child(action.defaultAction(), input));
        }
        return children;
    }

    private static ChildStep child(Action action, StepInput input) {
        return new ChildStep(JsonPointer.empty(), action, input.image(), input.frame());
    }
}
