package io.visionflow.worker;

import io.visionflow.engine.StepFailure;

/**
 * Sends one step request (the JSON of {@link StepCodec#request}) to a worker and returns its
 * reply. Transport faults — the worker crashed, was throttled, timed out — are a
 * {@link StepFailure} with the status the record gets (502, 503, 504); a step that failed in the
 * worker is a normal reply.
 */
@FunctionalInterface
public interface StepInvoker {
    byte[] invoke(WorkerKind worker, byte[] request) throws StepFailure;
}
