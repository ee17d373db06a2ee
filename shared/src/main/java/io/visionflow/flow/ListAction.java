package io.visionflow.flow;

import java.util.List;

/** Runs its actions concurrently ({@code parallel}) or in order, each seeing the earlier results ({@code sequence}). */
public record ListAction(String id, Mode mode, List<Action> actions, CallPolicy policy) implements Action {
    public enum Mode { PARALLEL, SEQUENCE }

    public ListAction {
        actions = List.copyOf(actions);
    }

    public ListAction(String id, Mode mode, List<Action> actions) {
        this(id, mode, actions, CallPolicy.NONE);
    }
}
