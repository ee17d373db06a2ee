/**
 * Webhooks on SQS: {@link io.visionflow.webhook.sqs.SqsWebhookQueue} sends them, and receives them
 * with retries as visibility timeouts and a dead-letter queue behind a redrive policy.
 */
package io.visionflow.webhook.sqs;
