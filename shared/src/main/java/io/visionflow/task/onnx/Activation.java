package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What turns raw model outputs into probabilities. */
public enum Activation {
    /** Scores over the labels sum to 1. */
    @JsonProperty("softmax") SOFTMAX,
    /** Each score independently in [0, 1] (multi-label or single-class). */
    @JsonProperty("sigmoid") SIGMOID,
    /** The model already outputs probabilities. */
    @JsonProperty("none") NONE;

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Applies the activation in place. */
    void apply(float[] v) {
        switch (this) {
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (float f : v) {
                    max = Math.max(max, f);
                }
                double sum = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) Math.exp(v[i] - max);
                    sum += v[i];
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (v[i] / sum);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) sigmoid(v[i]);
                }
            }
            case NONE -> {
            }
        }
    }
}
