package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * How a model's output tensors become labels or objects; the JSON property {@code decoder} picks
 * the kind: {@code classifier}, {@code yolo}, {@code anchors} (SSD / MediaPipe style) or
 * {@code text_map} (PaddleOCR DB).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "decoder")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ClassifierOutput.class, name = "classifier"),
        @JsonSubTypes.Type(value = YoloOutput.class, name = "yolo"),
        @JsonSubTypes.Type(value = AnchorsOutput.class, name = "anchors"),
        @JsonSubTypes.Type(value = TextMapOutput.class, name = "text_map")
})
public sealed interface OutputSpec permits ClassifierOutput, YoloOutput, AnchorsOutput, TextMapOutput {
}
