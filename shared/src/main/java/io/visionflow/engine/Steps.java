package io.visionflow.engine;

import io.visionflow.flow.Action;
import io.visionflow.flow.BranchSelector;
import io.visionflow.flow.Detection;
import io.visionflow.flow.ListAction;
import io.visionflow.flow.NestedFlow;
import io.visionflow.flow.ObjectSelector;
import io.visionflow.flow.Recognition;
import io.visionflow.flow.ServiceCall;

import java.util.Set;

/** Dispatches a step input to the semantics of its action type; the one entry every driver calls. */
public final class Steps {
    private static final Step<ListAction> LIST = new ListStep();
    private static final Step<Recognition> RECOGNITION = new RecognitionStep();
    private static final Step<Detection> DETECTION = new DetectionStep();
    private static final Step<BranchSelector> BRANCH_SELECTOR = new BranchSelectorStep();
    private static final Step<ObjectSelector> OBJECT_SELECTOR = new ObjectSelectorStep();
    private static final Step<NestedFlow> NESTED_FLOW = new NestedFlowStep();
    private static final Step<ServiceCall> SERVICE = new ServiceStep();

    private Steps() {
    }

    public static StepOutcome execute(StepInput input, StepContext context) throws StepFailure {
        return switch (input.action()) {
            case ListAction a -> LIST.run(a, input, context);
            case Recognition a -> RECOGNITION.run(a, input, context);
            case Detection a -> DETECTION.run(a, input, context);
            case BranchSelector a -> BRANCH_SELECTOR.run(a, input, context);
            case ObjectSelector a -> OBJECT_SELECTOR.run(a, input, context);
            case NestedFlow a -> NESTED_FLOW.run(a, input, context);
            case ServiceCall a -> SERVICE.run(a, input, context);
        };
    }

    /**
     * The fields of its scope a step reads: drivers copy only these into {@link StepInput#scope()}
     * (a selector reads the label that forces its branch; every other step reads none).
     */
    public static Set<String> reads(Action action) {
        return switch (action) {
            case BranchSelector a -> Set.of(a.field());
            case ListAction a -> Set.of();
            case Recognition a -> Set.of();
            case Detection a -> Set.of();
            case ObjectSelector a -> Set.of();
            case NestedFlow a -> Set.of();
            case ServiceCall a -> Set.of();
        };
    }

    /**
     * The prefix of the action ids that the children of {@code parent} charge under: the nodes of
     * a nested flow are billed as {@code <nesting node id>/<node id>}, since ids are only unique
     * within one flow.
     */
    public static String chargePrefix(String prefix, Action parent) {
        return parent instanceof NestedFlow ? prefix + parent.id() + "/" : prefix;
    }
}
