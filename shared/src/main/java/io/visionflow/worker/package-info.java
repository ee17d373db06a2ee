/**
 * Steps shipped to other processes (DESIGN section 4): the JSON of one step and of its outcome
 * ({@link io.visionflow.worker.StepCodec}), the worker that runs it ({@link io.visionflow.worker.StepWorker}),
 * and the executor that sends model and service steps to workers through a
 * {@link io.visionflow.worker.StepInvoker} (Lambda {@code Invoke} in the cloud).
 */
package io.visionflow.worker;
