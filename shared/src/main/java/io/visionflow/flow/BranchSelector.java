package io.visionflow.flow;

import java.util.List;
import java.util.Optional;

/**
 * Classifies the image (1 credit), writes the label into {@code field} and runs the branch of the
 * best label, or every branch over {@code threshold}. A valid label already in {@code field} forces
 * its branch without calling the task. {@code defaultAction} runs when no branch is taken.
 */
public record BranchSelector(String id, String task, String field, Mode mode, double threshold,
                             List<Branch> branches, Action defaultAction, CallPolicy policy) implements Action {
    public enum Mode { BEST, THRESHOLD }

    public static final double DEFAULT_THRESHOLD = 0.5;

    public BranchSelector {
        branches = List.copyOf(branches);
    }

    public BranchSelector(String id, String task, String field, Mode mode, double threshold, List<Branch> branches,
                          Action defaultAction) {
        this(id, task, field, mode, threshold, branches, defaultAction, CallPolicy.NONE);
    }

    public Optional<Branch> branch(String label) {
        return branches.stream().filter(b -> b.label().equals(label)).findFirst();
    }
}
