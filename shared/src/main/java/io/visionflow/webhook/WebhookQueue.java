package io.visionflow.webhook;

/**
 * Where the webhooks of finished requests wait to be sent: in this process locally
 * ({@link InProcessWebhookQueue}), on SQS in the cloud ({@code webhook.sqs.SqsWebhookQueue}), both
 * consumed through {@link WebhookDeliveries}. Delivery is at least once: a webhook whose answer
 * was lost, or a message that was enqueued or received twice, reaches the endpoint again with the
 * same body, so receivers deduplicate on the {@code id} in it. Whatever happens to the webhook, the
 * request keeps its results (readable with GET).
 */
@FunctionalInterface
public interface WebhookQueue {
    /** Queues one webhook; returns once it is kept (on SQS: sent), before any attempt. */
    void enqueue(WebhookMessage message);
}
