/**
 * Async runs as a choreography of step messages (DESIGN section 4, "cloud, async"): each message
 * names one step of one record; the step's outcome is stored once, its children are sent as new
 * messages (all at once for a parallel list or an object selector, one after another for a
 * sequence), and each parent keeps an idempotent count of its finished children, so the child that
 * completes a join continues the parent. Every effect survives at-least-once delivery: a stored
 * outcome is reused by a duplicate, a join counts a child once, a record ends once, and charges
 * are read from the stored outcomes when the record ends. {@link io.visionflow.async.AsyncSteps}
 * holds the rules; queues and state stores are ports with in-process adapters here.
 */
package io.visionflow.async;
