package io.visionflow.task.onnx;

/** PLACEHOLDER: the ONNX helper replaces this with the real preprocessing spec. */
public record Preprocessing() {
}
