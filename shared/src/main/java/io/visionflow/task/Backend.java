package io.visionflow.task;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a task's model runs (DESIGN section 3); {@code kind} tells them apart in JSON. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = OnnxBackend.class, name = "onnx"),
        @JsonSubTypes.Type(value = HttpBackend.class, name = "http")})
public sealed interface Backend permits OnnxBackend, HttpBackend {
}
