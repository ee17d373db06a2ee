package io.visionflow.flow;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Calls a built-in image service; its price comes from the price table. */
public record ServiceCall(String id, String service, String outputField, ObjectNode params, CallPolicy policy)
        implements Action {
    public ServiceCall {
        params = params == null ? null : params.deepCopy();
    }

    public ServiceCall(String id, String service, String outputField, ObjectNode params) {
        this(id, service, outputField, params, CallPolicy.NONE);
    }

    @Override
    public ObjectNode params() {
        // ObjectNode is mutable: hand out copies so the shared tree stays immutable
        return params == null ? null : params.deepCopy();
    }
}
