package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * SSD-style detection (MediaPipe BlazeFace and TF SSD): boxes regressed relative to a fixed grid of
 * anchors. The anchors are generated like MediaPipe's {@code SsdAnchorsCalculator}: one grid per
 * stride ({@code ceil(input / stride)} cells, consecutive layers with the same stride share a
 * grid), per layer one anchor for each aspect ratio plus one interpolated anchor, cells in row-major
 * order with the anchors of a cell consecutive. Box decoding is MediaPipe's
 * {@code TensorsToDetectionsCalculator}: {@code cx = raw_x / x_scale * anchor_w + anchor_cx}, and
 * {@code w = raw_w / w_scale * anchor_w} (or {@code exp(raw_w / w_scale) * anchor_w}).
 *
 * <pre>{@code
 * {"decoder": "anchors",
 *  "scores": ["Identity:0", "Identity_1:0"],  // score tensors [1, n, C], concatenated along n (required)
 *  "boxes": ["Identity_2:0", "Identity_3:0"], // regressor tensors [1, n, >=4], same order (required)
 *  "strides": [8, 16, 16, 16],                // one per anchor layer (required)
 *  "aspect_ratios": [1.0], "interpolated_scale_aspect_ratio": 1.0,   // <= 0: no interpolated anchor
 *  "min_scale": 0.1484375, "max_scale": 0.75, "fixed_anchor_size": true, "anchor_offset": 0.5,
 *  "box_order": "xywh",                       // xywh (MediaPipe) | yxhw (TF SSD)
 *  "box_scale": null,                         // [x, y, w, h] divisors; null: input width, height, width, height
 *  "exponential_box_size": false,
 *  "activation": "sigmoid",                   // applied to the scores (clipped to +-100 first)
 *  "nms_iou": 0.3, "weighted_nms": false}     // weighted: overlapping boxes are averaged by score (MediaPipe)
 * }</pre>
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnchorsOutput(
        List<String> scores,
        List<String> boxes,
        List<Integer> strides,
        List<Double> aspectRatios,
        Double interpolatedScaleAspectRatio,
        Double minScale,
        Double maxScale,
        Boolean fixedAnchorSize,
        Double anchorOffset,
        BoxOrder boxOrder,
        List<Double> boxScale,
        Boolean exponentialBoxSize,
        Activation activation,
        Double nmsIou,
        Boolean weightedNms) implements OutputSpec {

    public enum BoxOrder {
        @JsonProperty("xywh") XYWH,
        @JsonProperty("yxhw") YXHW
    }

    public AnchorsOutput {
        if (scores == null || scores.isEmpty() || boxes == null || boxes.size() != scores.size()) {
            throw new IllegalArgumentException("anchors output: give \"scores\" and \"boxes\" tensor names, as many of each");
        }
        if (strides == null || strides.isEmpty() || strides.stream().anyMatch(s -> s == null || s < 1)) {
            throw new IllegalArgumentException("anchors output: \"strides\" needs at least one positive stride");
        }
        if (boxScale != null && boxScale.size() != 4) {
            throw new IllegalArgumentException("anchors output: \"box_scale\" needs 4 values [x, y, w, h]");
        }
        scores = List.copyOf(scores);
        boxes = List.copyOf(boxes);
        strides = List.copyOf(strides);
        aspectRatios = aspectRatios == null ? List.of(1.0) : List.copyOf(aspectRatios);
        interpolatedScaleAspectRatio = interpolatedScaleAspectRatio == null ? 1.0 : interpolatedScaleAspectRatio;
        minScale = minScale == null ? 0.1484375 : minScale;
        maxScale = maxScale == null ? 0.75 : maxScale;
        fixedAnchorSize = fixedAnchorSize == null || fixedAnchorSize;
        anchorOffset = anchorOffset == null ? 0.5 : anchorOffset;
        boxOrder = boxOrder == null ? BoxOrder.XYWH : boxOrder;
        boxScale = boxScale == null ? null : List.copyOf(boxScale);
        exponentialBoxSize = exponentialBoxSize != null && exponentialBoxSize;
        activation = activation == null ? Activation.SIGMOID : activation;
        nmsIou = nmsIou == null ? 0.3 : nmsIou;
        weightedNms = weightedNms != null && weightedNms;
    }
}
