package io.visionflow.engine;

import io.visionflow.flow.Action;

/**
 * The semantics of one action type, written once: (scope, action) → writes, children, credits.
 * Pure with respect to its input, so that any driver (in-process, Lambda, SQS) can run it.
 */
@FunctionalInterface
public interface Step<A extends Action> {
    StepOutcome run(A action, StepInput input, StepContext context) throws StepFailure;
}
