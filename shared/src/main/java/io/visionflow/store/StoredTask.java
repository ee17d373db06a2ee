package io.visionflow.store;

import io.visionflow.task.Task;

import java.time.Instant;

/** A task as stored: the task itself, its owner and its version (bumped by every update). */
public record StoredTask(Task task, String account, int version, Instant created, Instant updated) {
}
