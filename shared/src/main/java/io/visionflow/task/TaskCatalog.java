package io.visionflow.task;

import java.util.Optional;

/** Looks tasks up by id, within one account: what the validator and the steps see. */
@FunctionalInterface
public interface TaskCatalog {
    Optional<Task> find(String id);
}
