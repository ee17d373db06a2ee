package io.visionflow.task;

/** A label with its probability, as returned in {@code best_label} and {@code labels}. */
public record LabelProb(String id, String name, double prob) {
}
