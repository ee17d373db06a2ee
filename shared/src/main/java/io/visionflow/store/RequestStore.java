package io.visionflow.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/** Async requests, scoped to an account; status changes are conditional on the current status. */
public interface RequestStore {
    /**
     * The blob kind of a request's JSON kept outside the store's rows when too large for them (a
     * request of many records): its payload, its response, the webhook announcing it. It expires
     * some time after the request (template.yaml's bucket lifecycle).
     */
    String BLOB_KIND = "request";

    /** Stores a new request (status {@code CREATED}); {@link ConflictException} when the id exists. */
    AsyncRequest create(AsyncRequest request);

    Optional<AsyncRequest> get(String account, String id);

    /**
     * Moves a request from {@code from} to {@code to}, setting the response or error when given;
     * false (and nothing written) when its status is not {@code from}, so a redelivered message
     * cannot finish a request twice.
     */
    boolean transition(String account, String id, RequestStatus from, RequestStatus to, ObjectNode response,
                       String error);

    /** Newest first; {@code type} and {@code status} filter when not null. */
    Page<AsyncRequest> list(String account, String type, RequestStatus status, int offset, int limit);
}
