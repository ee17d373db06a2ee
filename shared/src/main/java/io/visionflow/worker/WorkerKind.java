package io.visionflow.worker;

import io.visionflow.flow.Action;
import io.visionflow.flow.BranchSelector;
import io.visionflow.flow.Detection;
import io.visionflow.flow.ListAction;
import io.visionflow.flow.NestedFlow;
import io.visionflow.flow.ObjectSelector;
import io.visionflow.flow.Recognition;
import io.visionflow.flow.ServiceCall;

import java.util.Optional;

/** The worker function a step runs in; control steps (lists, nested flows) run in the driver itself. */
public enum WorkerKind {
    /** Recognition, detection and the selectors: holds ONNX Runtime and the model sessions. */
    MODEL,
    /** Built-in image services. */
    SERVICE;

    public static Optional<WorkerKind> of(Action action) {
        return switch (action) {
            case Recognition a -> Optional.of(MODEL);
            case Detection a -> Optional.of(MODEL);
            case BranchSelector a -> Optional.of(MODEL);
            case ObjectSelector a -> Optional.of(MODEL);
            case ServiceCall a -> Optional.of(SERVICE);
            case ListAction a -> Optional.empty();
            case NestedFlow a -> Optional.empty();
        };
    }

    /** The task a step of this action calls, if any: the only task its worker needs to know. */
    public static Optional<String> taskOf(Action action) {
        return switch (action) {
            case Recognition a -> Optional.of(a.task());
            case Detection a -> Optional.of(a.task());
            case BranchSelector a -> Optional.of(a.task());
            case ObjectSelector a -> Optional.of(a.task());
            case ServiceCall a -> Optional.empty();
            case ListAction a -> Optional.empty();
            case NestedFlow a -> Optional.empty();
        };
    }
}
