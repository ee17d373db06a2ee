/**
 * Async flow requests: {@link io.visionflow.request.AsyncRequests} accepts, runs and finishes them;
 * {@link io.visionflow.request.RequestQueue} is the seam between accepting and running, served in
 * one process by {@link io.visionflow.request.InProcessRequestQueue} and in the cloud by a queue
 * service whose consumer calls {@link io.visionflow.request.AsyncRequests#process}. Delivery is at
 * least once; the effects (claim, charge, result, webhook) are once, see {@code AsyncRequests}.
 */
package io.visionflow.request;
