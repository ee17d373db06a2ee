package io.visionflow.task;

import io.visionflow.task.onnx.OutputSpec;
import io.visionflow.task.onnx.Preprocessing;

/**
 * An ONNX model run in-process.
 *
 * @param model         id of the model file, resolved by a {@link ModelSource}
 * @param preprocessing how an image becomes the input tensor
 * @param output        how the output tensors become labels or objects
 */
public record OnnxBackend(String model, Preprocessing preprocessing, OutputSpec output) implements Backend {
}
