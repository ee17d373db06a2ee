package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;

/**
 * The dead-letter function: the SQS events of every step queue's dead-letter queue. A message
 * there failed on every delivery its queue allows; its record ends with that reason, so the run
 * finishes and its request is never stuck {@code PROCESSING} (DESIGN section 4, at-least-once).
 */
public final class DeadLetterHandler extends StepQueueHandler {
    /** For Lambda. */
    public DeadLetterHandler() {
        super();
    }

    /** For tests and other hosts: a ready Api. */
    public DeadLetterHandler(Api api) {
        super(api);
    }

    @Override
    ObjectNode handle(JsonNode event, Api api) {
        return SqsEvents.deadLetters(event, api.requests()::deadLetter);
    }
}
