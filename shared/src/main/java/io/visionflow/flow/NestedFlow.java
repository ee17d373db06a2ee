package io.visionflow.flow;

/** Runs another flow's top node on the same record (and in the same scope). */
public record NestedFlow(String id, String flow, CallPolicy policy) implements Action {
    public NestedFlow(String id, String flow) {
        this(id, flow, CallPolicy.NONE);
    }
}
