package io.visionflow.async;

/** Where step messages go: an in-process queue locally, SQS in the cloud. Delivery is at least once. */
@FunctionalInterface
public interface StepQueue {
    void send(byte[] message);

    /** Sends several at once: the children of a parallel step (a queue may batch them). */
    default void sendAll(java.util.List<byte[]> messages) {
        messages.forEach(this::send);
    }
}
