package io.visionflow.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * An async request as stored.
 *
 * @param type     {@code "flows"}
 * @param payload  what to run: {@code flow}, {@code flow_version}, {@code records} (images by blob key
 *                 in {@code _blob}), {@code webhook}
 * @param response the envelope of the sync endpoint, once {@code DONE}
 * @param error    why it ended in {@code ERROR}
 */
public record AsyncRequest(String id, String account, String type, RequestStatus status, ObjectNode payload,
                           ObjectNode response, String error, Instant created, Instant updated) {
}
