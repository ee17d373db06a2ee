package io.visionflow.engine;

/**
 * Credits used by one step.
 *
 * @param actionId the flow node that used them
 * @param item     what was called: a task id, or {@code service:<name>}
 * @param credits  how many
 */
public record Charge(String actionId, String item, int credits) {
}
