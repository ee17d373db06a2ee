package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Classification: one score per label, output index {@code i} is task label {@code i}.
 * JSON: {@code {"decoder": "classifier", "activation": "softmax", "tensor": null}}.
 *
 * @param activation softmax (default), sigmoid or none (the model already outputs probabilities)
 * @param tensor     output tensor name; null: the model's first output
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClassifierOutput(Activation activation, String tensor) implements OutputSpec {
    public ClassifierOutput {
        activation = activation == null ? Activation.SOFTMAX : activation;
    }
}
