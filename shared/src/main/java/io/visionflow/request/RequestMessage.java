package io.visionflow.request;

/**
 * A queue message: "run request {@code requestId} of {@code account}". It names the request and
 * carries nothing else, so a message delivered twice or late reads the request's current state.
 *
 * @param resume  true when the request may be found {@code PROCESSING} with nobody working on it
 *                (re-enqueued at start-up, or redelivered after a worker failed), so the worker
 *                takes it over instead of leaving it to the worker that claimed it
 * @param attempt deliveries so far, the first is 1; after {@code maxDeliveries} the request ends ERROR
 */
public record RequestMessage(String account, String requestId, boolean resume, int attempt) {
    public static RequestMessage first(String account, String requestId) {
        return new RequestMessage(account, requestId, false, 1);
    }

    RequestMessage retry() {
        return new RequestMessage(account, requestId, true, attempt + 1);
    }
}
