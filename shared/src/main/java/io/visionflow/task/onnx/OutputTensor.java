package io.visionflow.task.onnx;

import java.util.Arrays;

/** One float output of a model run, copied out of ONNX Runtime so decoders stay pure. */
public record OutputTensor(String name, float[] data, long[] shape) {

    public String shapeText() {
        return Arrays.toString(shape);
    }

    /** The size of axis {@code i}, counting from the end when negative. */
    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }
}
