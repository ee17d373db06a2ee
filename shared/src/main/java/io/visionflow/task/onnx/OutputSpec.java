package io.visionflow.task.onnx;

/** PLACEHOLDER: the ONNX helper replaces this with the real output decoding spec. */
public interface OutputSpec {
}
