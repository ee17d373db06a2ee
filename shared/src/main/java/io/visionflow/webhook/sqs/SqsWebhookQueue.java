package io.visionflow.webhook.sqs;

import io.visionflow.async.sqs.SqsPoller;
import io.visionflow.webhook.Outcome;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.WebhookMessage;
import io.visionflow.webhook.WebhookQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Webhooks on an SQS queue of their own, which outlives any process. {@link #enqueue} is all a
 * producer needs. {@link #receive} handles one received message: a retry is left on the queue with
 * its visibility timeout set to the backoff, so SQS hands it out again then (with a receive count
 * one higher: the attempt number); after the queue's {@code maxReceiveCount}, which should equal
 * the sender's attempts, SQS moves it to the dead-letter queue. Settled messages are deleted by the
 * caller: the {@link #poll poller} here, or Lambda's event source for every record its handler
 * does not report as failed.
 */
public final class SqsWebhookQueue implements WebhookQueue, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SqsWebhookQueue.class.getName());
    /** SQS's longest visibility timeout, 12 hours. */
    static final int MAX_VISIBILITY_SECONDS = 43_200;

    private final SqsClient sqs;
    private final String queueUrl;
    private final SqsPoller poller;

    public SqsWebhookQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.poller = new SqsPoller(sqs);
    }

    public String queueUrl() {
        return queueUrl;
    }

    /** Sends the message; an SQS failure (or a message over SQS's size limit) is thrown to the caller. */
    @Override
    public void enqueue(WebhookMessage message) {
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(new String(message.toJson(), StandardCharsets.UTF_8)));
    }

    /**
     * Makes the attempt of one received message and, unless it settled, sets when SQS hands it out
     * again: after the backoff for a retry, at once for an exhausted one (whose next receive moves
     * it to the dead-letter queue). It does not delete: see the class comment.
     *
     * @param receiveCount SQS's {@code ApproximateReceiveCount}: this receive's attempt number
     */
    public Outcome receive(WebhookDeliveries deliveries, String body, String receiptHandle, int receiveCount) {
        Outcome outcome = deliveries.handle(body.getBytes(StandardCharsets.UTF_8), receiveCount);
        switch (outcome) {
            case Outcome.Retry r -> reappearAfter(receiptHandle, visibilitySeconds(r.delay()));
            case Outcome.Exhausted e -> reappearAfter(receiptHandle, 0);
            case Outcome.Delivered d -> {
            }
            case Outcome.GiveUp g -> {
            }
        }
        return outcome;
    }

    private void reappearAfter(String receiptHandle, int seconds) {
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(receiptHandle).visibilityTimeout(seconds));
        } catch (SdkException e) {
            // it still comes back, after the queue's own visibility timeout
            LOG.log(System.Logger.Level.WARNING, "cannot set when a webhook message comes back: " + e.getMessage());
        }
    }

    /** Whole seconds (rounded up, so a retry never comes sooner than the backoff), at most 12 hours. */
    static int visibilitySeconds(Duration delay) {
        long seconds = delay.isNegative() ? 0 : delay.plusMillis(999).toSeconds();
        return (int) Math.min(MAX_VISIBILITY_SECONDS, seconds);
    }

    /**
     * Receives in this process, for the local server and tests: {@code workers} pollers of the
     * queue, and one of its dead-letter queue that reports each webhook there as given up and
     * deletes it. They stop after the batch in hand when the queue is closed.
     */
    public SqsWebhookQueue poll(WebhookDeliveries deliveries, String deadLetterUrl, int workers) {
        for (int i = 0; i < workers; i++) {
            poller.start("sqs-webhooks-" + i, queueUrl, m ->
                    receive(deliveries, m.body(), m.receiptHandle(), SqsPoller.receiveCount(m)).settled());
        }
        poller.start("sqs-webhook-dead-letters", deadLetterUrl, m -> {
            deliveries.deadLettered(SqsPoller.body(m), SqsPoller.deadLetterReason(m));
            return true;
        });
        return this;
    }

    @Override
    public void close() {
        poller.close();
    }
}
