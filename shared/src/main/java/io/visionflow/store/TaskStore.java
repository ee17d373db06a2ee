package io.visionflow.store;

import io.visionflow.task.Task;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskKind;

import java.util.Optional;

/** Tasks, scoped to an account, updated conditionally on their version. */
public interface TaskStore {
    /** Stores a new task under {@code task.id()}; {@link ConflictException} when the id exists. */
    StoredTask create(String account, Task task);

    Optional<StoredTask> get(String account, String id);

    /**
     * Replaces the task (same id) as version {@code expectedVersion + 1}; {@link ConflictException}
     * when its version is not {@code expectedVersion}, {@link NotFoundException} when missing.
     */
    StoredTask update(String account, int expectedVersion, Task task);

    /** True when it existed. */
    boolean delete(String account, String id);

    /** Tasks of one kind (or all when null), oldest first. */
    Page<StoredTask> list(String account, TaskKind kind, int offset, int limit);

    /** One account's tasks as the validator and the steps look them up. */
    default TaskCatalog catalog(String account) {
        return id -> get(account, id).map(StoredTask::task);
    }
}
