package io.visionflow.request;

/**
 * Where accepted async requests wait for a worker. Delivery is at least once: a consumer must
 * expect the same message twice, or a message for a request that is already done.
 * {@link InProcessRequestQueue} serves the local server; an SQS queue can take its place, with
 * its consumer (a Lambda) calling {@link AsyncRequests#process} for each message.
 */
public interface RequestQueue extends AutoCloseable {
    /** Hands one message to the queue; {@link QueueFullException} when it cannot take more. */
    void send(RequestMessage message);

    @Override
    void close();

    /** Opens a queue whose messages are consumed by {@code worker}. */
    @FunctionalInterface
    interface Factory {
        RequestQueue open(Worker worker);
    }

    /** Handles one message; a thrown exception means "not handled", and the queue may deliver it again. */
    @FunctionalInterface
    interface Worker {
        void handle(RequestMessage message);
    }

    /** The queue is at capacity; try later. */
    final class QueueFullException extends RuntimeException {
        public QueueFullException(String message) {
            super(message);
        }
    }
}
