package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;

/**
 * The control function: the SQS events of the control step queue (record starts, lists, nested
 * flows, and every step of a kind without a queue of its own). Control steps call no model, so it
 * is built from the API jar, without ONNX Runtime; its runners are the API function's (http tasks,
 * model and service steps invoked in the workers when they are named).
 */
public final class ControlHandler extends StepQueueHandler {
    /** For Lambda. */
    public ControlHandler() {
        super();
    }

    /** For tests and other hosts: a ready Api. */
    public ControlHandler(Api api) {
        super(api);
    }

    @Override
    ObjectNode handle(JsonNode event, Api api) {
        return SqsEvents.steps(event, api.requests()::handle);
    }
}
