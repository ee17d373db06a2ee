package io.visionflow.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * One version of a flow. Versions are immutable; {@code valid} and {@code invalidReason} describe
 * the latest version and change when a task it uses changes (that is not a new version).
 *
 * @param definition the flow JSON as validated: {@code name, description, image_size?, top_node}
 *                   with an {@code id} on every node
 * @param created    when version 1 was stored
 * @param updated    when this version was stored
 */
public record StoredFlow(String id, String account, int version, ObjectNode definition, boolean valid,
                         String invalidReason, Instant created, Instant updated) {
    public StoredFlow {
        definition = definition.deepCopy();
    }

    @Override
    public ObjectNode definition() {
        return definition.deepCopy();
    }
}
