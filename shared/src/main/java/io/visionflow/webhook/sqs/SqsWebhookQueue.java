package io.visionflow.webhook.sqs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.visionflow.async.sqs.SqsPoller;
import io.visionflow.store.BlobStore;
import io.visionflow.store.RequestStore;
import io.visionflow.webhook.Outcome;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.WebhookMessage;
import io.visionflow.webhook.WebhookQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

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

    /**
     * A message over this waits in the blob store and the queue carries its key: SQS takes 256 KiB
     * in a message (AWS now 1 MiB), and the webhook of a request of 1000 records can be more.
     */
    static final int MAX_INLINE_BYTES = 200_000;
    private static final JsonFactory JSON = new JsonFactory();

    private final SqsClient sqs;
    private final String queueUrl;
    private final SqsPoller poller;
    private final BlobStore blobs;

    /** A queue whose messages must fit in SQS messages. */
    public SqsWebhookQueue(SqsClient sqs, String queueUrl) {
        this(sqs, queueUrl, null);
    }

    /** A queue that keeps a message too large for SQS in {@code blobs} (of kind {@link RequestStore#BLOB_KIND}). */
    public SqsWebhookQueue(SqsClient sqs, String queueUrl, BlobStore blobs) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.poller = new SqsPoller(sqs);
        this.blobs = blobs;
    }

    public String queueUrl() {
        return queueUrl;
    }

    /**
     * Sends the message, or a pointer to it in the blob store when it is over {@link #MAX_INLINE_BYTES};
     * an SQS or blob store failure is thrown to the caller.
     */
    @Override
    public void enqueue(WebhookMessage message) {
        byte[] json = message.toJson();
        if (json.length > MAX_INLINE_BYTES) {
            if (blobs == null) {
                throw new IllegalStateException("the webhook of request " + message.requestId() + " is " + json.length
                        + " bytes, over what an SQS message holds, and this queue has no blob store to keep it in");
            }
            json = pointer(message, blobs.put(message.account(), RequestStore.BLOB_KIND, json));
        }
        String body = new String(json, StandardCharsets.UTF_8);
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
    }

    /** {@code {"v": 1, "account", "request", "message_blob"}}: the account and request for logs, and where the message is. */
    private static byte[] pointer(WebhookMessage message, String key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", 1);
            g.writeStringField("account", message.account());
            g.writeStringField("request", message.requestId());
            g.writeStringField(MESSAGE_BLOB, key);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }

    private static final String MESSAGE_BLOB = "message_blob";

    /**
     * The message a received body holds: itself, or the blob it points to. Empty when the blob is
     * gone; a failure to read it is thrown, so the message comes back.
     */
    Optional<byte[]> message(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String key = null;
        String account = null;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals(MESSAGE_BLOB) && value == JsonToken.VALUE_STRING) {
                        key = p.getText();
                    } else if (field.equals("account") && value == JsonToken.VALUE_STRING) {
                        account = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            return Optional.of(bytes); // not JSON: the deliveries say so
        }
        if (key == null) {
            return Optional.of(bytes);
        }
        // written by enqueue only, under the message's own account; anything else is no message of ours
        if (blobs == null || account == null || !key.startsWith(account + "/" + RequestStore.BLOB_KIND + "/")) {
            return Optional.of(bytes);
        }
        return blobs.get(key);
    }

    /**
     * Makes the attempt of one received message and, unless it settled, sets when SQS hands it out
     * again: after the backoff for a retry, at once for an exhausted one (whose next receive moves
     * it to the dead-letter queue). It does not delete: see the class comment.
     *
     * @param receiveCount SQS's {@code ApproximateReceiveCount}: this receive's attempt number
     */
    public Outcome receive(WebhookDeliveries deliveries, String body, String receiptHandle, int receiveCount) {
        Optional<byte[]> message = message(body);
        if (message.isEmpty()) {
            // the bucket's lifecycle took it (days after the request ended): nothing left to send
            LOG.log(System.Logger.Level.WARNING, "a webhook message kept in the blob store is gone; given up: " + body);
            return new Outcome.GiveUp(0, "the webhook's message is gone from the blob store");
        }
        Outcome outcome = deliveries.handle(message.get(), receiveCount);
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
            deliveries.deadLettered(message(m.body()).orElse(SqsPoller.body(m)), SqsPoller.deadLetterReason(m));
            return true;
        });
        return this;
    }

    @Override
    public void close() {
        poller.close();
    }
}
