package io.visionflow.flow;

import java.util.List;
import java.util.Optional;

/**
 * Detects objects (1 credit) and lists them all in {@code outputField}; those over {@code minProb}
 * and {@code minArea} (a fraction of the image) whose label is in {@code labels} (all when empty)
 * are analysed: each is cropped with {@code padding} pixels around it, and {@code action} and the
 * branch of the object's label run on the crop. Results of those actions are merged into the object.
 */
public record ObjectSelector(String id, String task, String outputField, double minProb, double minArea,
                             List<String> labels, int padding, Action action, List<Branch> branches,
                             CallPolicy policy) implements Action {
    public static final double DEFAULT_MIN_PROB = 0.3;

    public ObjectSelector {
        labels = List.copyOf(labels);
        branches = List.copyOf(branches);
    }

    public ObjectSelector(String id, String task, String outputField, double minProb, double minArea,
                          List<String> labels, int padding, Action action, List<Branch> branches) {
        this(id, task, outputField, minProb, minArea, labels, padding, action, branches, CallPolicy.NONE);
    }

    public Optional<Branch> branch(String label) {
        return branches.stream().filter(b -> b.label().equals(label)).findFirst();
    }
}
