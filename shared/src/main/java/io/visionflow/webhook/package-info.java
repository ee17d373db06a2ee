/**
 * Webhooks announcing finished async requests. {@link io.visionflow.webhook.Webhook} signs them and
 * shows receivers how to verify; {@link io.visionflow.webhook.WebhookSender} makes the attempts;
 * a {@link io.visionflow.webhook.WebhookQueue} keeps them until delivered or given up, consumed
 * through {@link io.visionflow.webhook.WebhookDeliveries} (in process, or on SQS in
 * {@code webhook.sqs}).
 */
package io.visionflow.webhook;
