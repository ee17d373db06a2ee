package io.visionflow.flow;

import java.util.ArrayList;
import java.util.List;

/**
 * One node of a flow tree (DESIGN section 2). Sealed so that every {@code switch} over actions is
 * exhaustive: a new action type breaks the build wherever it is not handled.
 */
public sealed interface Action
        permits ListAction, Recognition, Detection, BranchSelector, ObjectSelector, NestedFlow, ServiceCall {

    /** Flow-unique node id. */
    String id();

    /**
     * Its {@code retry} and {@code timeout_ms}: how the driver calls this action's step, wherever
     * the step runs ({@link CallPolicy#NONE} when the flow gives neither).
     */
    CallPolicy policy();

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

    /**
     * The actions nested directly in this one, in definition order: a list's actions, a
     * selector's per-object action and its branches. A nested flow's nodes live in another
     * definition and are not among them.
     */
    default List<Action> subActions() {
        return switch (this) {
            case ListAction a -> a.actions();
            case BranchSelector a -> {
                List<Action> out = new ArrayList<>();
                a.branches().forEach(b -> out.add(b.action()));
                if (a.defaultAction() != null) {
                    out.add(a.defaultAction());
                }
                yield out;
            }
            case ObjectSelector a -> {
                List<Action> out = new ArrayList<>();
                if (a.action() != null) {
                    out.add(a.action());
                }
                a.branches().forEach(b -> out.add(b.action()));
                yield out;
            }
            case Recognition a -> List.of();
            case Detection a -> List.of();
            case NestedFlow a -> List.of();
            case ServiceCall a -> List.of();
        };
    }
}
