package io.visionflow.flow;

import java.util.Optional;

/**
 * Looks flows up by id, within one account. For a run this is a consistent snapshot: the versions of
 * the flow and of its nested flows as they were when the request started.
 */
@FunctionalInterface
public interface FlowCatalog {
    Optional<FlowDefinition> find(String id);
}
