package io.visionflow.async;

/** Where step messages go: an in-process queue locally, SQS in the cloud. Delivery is at least once. */
@FunctionalInterface
public interface StepQueue {
    void send(byte[] message);

    /** Sends several at once: the children of a parallel step (a queue may batch them). */
    default void sendAll(java.util.List<byte[]> messages) {
        messages.forEach(this::send);
    }

    /**
     * Sends the first messages of a new run; a queue with a bounded backlog refuses them with
     * {@link Full} (the messages of a run under way are always taken).
     */
    default void startAll(java.util.List<byte[]> messages) {
        sendAll(messages);
    }

    /** The queue takes no new runs now; try later. */
    final class Full extends RuntimeException {
        public Full(String message) {
            super(message);
        }
    }

    /** Makes the queue the steps travel on, given who handles a delivery and who gets the dead letters. */
    @FunctionalInterface
    interface Maker {
        StepQueue make(java.util.function.Consumer<byte[]> handler,
                       java.util.function.BiConsumer<byte[], String> deadLetter);
    }
}
