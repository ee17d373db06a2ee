package io.visionflow.flow;

/**
 * One node of a flow tree (DESIGN section 2). Sealed so that every {@code switch} over actions is
 * exhaustive: a new action type breaks the build wherever it is not handled.
 */
public sealed interface Action
        permits ListAction, Recognition, Detection, BranchSelector, ObjectSelector, NestedFlow, ServiceCall {

    /** Flow-unique node id. */
    String id();

    /** The {@code type} of this action in the flow JSON. */
    default String type() {
        return switch (this) {
            case ListAction a -> "list";
            case Recognition a -> "recognition";
            case Detection a -> "detection";
            case BranchSelector a -> "branch_selector";
            case ObjectSelector a -> "object_selector";
            case NestedFlow a -> "flow";
            case ServiceCall a -> "service";
        };
    }
}
