package io.visionflow.task;

/** One label of a task; {@code id} is stable, {@code name} is what flows branch on. */
public record Label(String id, String name) {
}
