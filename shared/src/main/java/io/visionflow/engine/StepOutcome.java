package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.ListAction;

import java.util.List;

/**
 * What a step produced: fields to write into its scope, the children to run next (all at once, or
 * one after another), and the credits it used. Children only start once the writes are applied.
 */
public record StepOutcome(ObjectNode writes, ListAction.Mode childMode, List<ChildStep> children, List<Charge> charges) {
    public StepOutcome {
        children = List.copyOf(children);
        charges = List.copyOf(charges);
    }

    public static StepOutcome of(ObjectNode writes, List<Charge> charges) {
        return new StepOutcome(writes, ListAction.Mode.PARALLEL, List.of(), charges);
    }

    public static StepOutcome children(ListAction.Mode mode, List<ChildStep> children) {
        return new StepOutcome(JsonNodeFactory.instance.objectNode(), mode, children, List.of());
    }

    public int credits() {
        return charges.stream().mapToInt(Charge::credits).sum();
    }
}
