/**
 * Webhooks announcing finished async requests: {@link io.visionflow.webhook.WebhookSender} delivers
 * them with retries; {@link io.visionflow.webhook.Webhook} signs them and shows receivers how to verify.
 */
package io.visionflow.webhook;
