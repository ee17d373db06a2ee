package io.visionflow.async;

/** Where step messages go: an in-process queue locally, SQS in the cloud. Delivery is at least once. */
@FunctionalInterface
public interface StepQueue {
    void send(byte[] message);
}
