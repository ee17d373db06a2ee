package io.visionflow.task;

/** Where a task's model runs (DESIGN section 3). */
public sealed interface Backend permits OnnxBackend, HttpBackend {
}
