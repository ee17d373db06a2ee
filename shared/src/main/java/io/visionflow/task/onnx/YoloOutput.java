package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * YOLO-style detection: one output {@code [1, N, 4 + obj + C]} (YOLOv5) or transposed
 * {@code [1, 4 + obj + C, N]} (YOLOv8), told apart by which axis has {@code 4 + obj + C} entries
 * ({@code C} = number of task labels). Each row is {@code cx, cy, w, h, [obj], class scores...};
 * an object's probability is {@code obj * best class score}.
 * JSON: {@code {"decoder": "yolo", "tensor": null, "normalized": false, "objectness": false, "nms_iou": 0.45}}.
 *
 * @param tensor     output tensor name; null: the model's first output
 * @param normalized box coordinates are fractions of the input size instead of input pixels
 * @param objectness rows carry an objectness score before the class scores (YOLOv5 yes, YOLOv8 no)
 * @param nmsIou     overlap above which the less probable of two same-label boxes is dropped
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record YoloOutput(String tensor, Boolean normalized, Boolean objectness, Double nmsIou) implements OutputSpec {
    public YoloOutput {
        normalized = normalized != null && normalized;
        objectness = objectness != null && objectness;
        nmsIou = nmsIou == null ? 0.45 : nmsIou;
    }
}
