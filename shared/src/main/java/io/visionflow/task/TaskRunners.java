package io.visionflow.task;

/**
 * Gives the runner of a task. Implementations cache runners (and their model sessions) so that a
 * model is loaded once per process, and drop the cache entry when a task changes.
 */
@FunctionalInterface
public interface TaskRunners {
    TaskRunner runnerFor(Task task) throws TaskException;

    /** Unloads a model no task uses any more; runners of it are made again on their next use. */
    default void release(String modelId) {
    }
}
