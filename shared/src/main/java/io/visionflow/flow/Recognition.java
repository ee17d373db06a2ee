package io.visionflow.flow;

/** Classifies the image with a classification task; 1 credit. {@code topK} null means every label. */
public record Recognition(String id, String task, String outputField, Integer topK, CallPolicy policy) implements Action {
    public Recognition(String id, String task, String outputField, Integer topK) {
        this(id, task, outputField, topK, CallPolicy.NONE);
    }
}
