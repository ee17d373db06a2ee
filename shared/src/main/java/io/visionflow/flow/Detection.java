package io.visionflow.flow;

/** Detects objects with a detection task; 1 credit. */
public record Detection(String id, String task, String outputField, double keepProb, CallPolicy policy) implements Action {
    public static final String DEFAULT_OUTPUT_FIELD = "_objects";
    public static final double DEFAULT_KEEP_PROB = 0.3;

    public Detection(String id, String task, String outputField, double keepProb) {
        this(id, task, outputField, keepProb, CallPolicy.NONE);
    }
}
