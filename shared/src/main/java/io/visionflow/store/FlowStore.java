package io.visionflow.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * Flows with immutable versions, scoped to an account. Every change is a new version written
 * conditionally on the previous one, so concurrent edits never lose an update.
 */
public interface FlowStore {
    /** Stores version 1 of a new flow with the given id. */
    StoredFlow create(String account, String id, ObjectNode definition, boolean valid, String invalidReason);

    /** The latest version. */
    Optional<StoredFlow> get(String account, String id);

    /** A given version, also after later ones were stored (not after the flow was deleted). */
    Optional<StoredFlow> version(String account, String id, int version);

    /**
     * Stores version {@code expectedVersion + 1}; {@link ConflictException} when the latest version
     * is not {@code expectedVersion}, {@link NotFoundException} when there is no such flow.
     */
    StoredFlow update(String account, String id, int expectedVersion, ObjectNode definition, boolean valid,
                      String invalidReason);

    /** Marks the latest version valid or not, without a new version; {@link NotFoundException} when missing. */
    void setValidity(String account, String id, boolean valid, String invalidReason);

    /** Deletes the flow and its versions; true when it existed. */
    boolean delete(String account, String id);

    /** Latest versions, oldest flow first. */
    Page<StoredFlow> list(String account, int offset, int limit);
}
