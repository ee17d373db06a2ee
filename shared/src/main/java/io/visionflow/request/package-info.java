/**
 * Async flow requests: {@link io.visionflow.request.AsyncRequests} accepts them, runs them as
 * async steps ({@link io.visionflow.async.AsyncSteps}) on a step queue, in one process or across
 * the cloud's functions, and finishes them. Delivery is at least once; the effects (charge,
 * result, webhook) are once, see {@code AsyncRequests}.
 */
package io.visionflow.request;
