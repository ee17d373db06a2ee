package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * PaddleOCR DB text detection: a probability map {@code [1, 1, H, W]} over the input is
 * binarized at {@code threshold}; every connected region becomes an axis-aligned box, scored by the
 * mean probability inside it, dropped below {@code box_threshold}, and grown by the DB "unclip"
 * offset {@code area * unclip_ratio / perimeter} (the network predicts shrunk text kernels). Every
 * box gets the task's first label (normally {@code text}); boxes come in reading order.
 * JSON (defaults are PaddleOCR's): {@code {"decoder": "text_map", "tensor": null, "threshold": 0.3,
 * "box_threshold": 0.6, "unclip_ratio": 1.5, "min_size": 3, "max_candidates": 1000}}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TextMapOutput(String tensor, Double threshold, Double boxThreshold, Double unclipRatio,
                            Integer minSize, Integer maxCandidates) implements OutputSpec {
    public TextMapOutput {
        threshold = threshold == null ? 0.3 : threshold;
        boxThreshold = boxThreshold == null ? 0.6 : boxThreshold;
        unclipRatio = unclipRatio == null ? 1.5 : unclipRatio;
        minSize = minSize == null ? 3 : minSize;
        maxCandidates = maxCandidates == null ? 1000 : maxCandidates;
    }

    public static TextMapOutput defaults() {
        return new TextMapOutput(null, null, null, null, null, null);
    }
}
