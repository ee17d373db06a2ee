package io.visionflow.async.sqs;

import io.visionflow.async.StepQueue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Step messages on SQS. {@link #send} is all a producer needs (in Lambda, the SQS event source
 * does the receiving). {@link #poll} receives in this process ({@link SqsPoller}), for hosts that
 * run for long and for tests: a message is deleted only after its handler returned, so one whose
 * handler threw comes back after its visibility timeout, and after the queue's
 * {@code maxReceiveCount} SQS moves it to the dead-letter queue, whose messages go to the
 * dead-letter handler.
 */
public final class SqsStepQueue implements StepQueue, AutoCloseable {
    private final Supplier<SqsClient> sqs;
    private final String queueUrl;
    private final SqsPoller poller;

    public SqsStepQueue(SqsClient sqs, String queueUrl) {
        this(() -> sqs, queueUrl);
    }

    /**
     * A queue whose client is asked for on every call, so a host can build it on first use (a
     * function that never sends pays nothing for it); the supplier should keep what it built.
     */
    public SqsStepQueue(Supplier<SqsClient> sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.poller = new SqsPoller(sqs);
    }

    /** The URL of the queue this sends to. */
    public String url() {
        return queueUrl;
    }

    @Override
    public void send(byte[] message) {
        sqs.get().sendMessage(b -> b.queueUrl(queueUrl).messageBody(new String(message, StandardCharsets.UTF_8)));
    }

    /** In batches of ten (SQS's most); an entry SQS refuses is sent again on its own, so none is lost quietly. */
    @Override
    public void sendAll(List<byte[]> messages) {
        for (int from = 0; from < messages.size(); from += 10) {
            List<byte[]> chunk = messages.subList(from, Math.min(messages.size(), from + 10));
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(new String(chunk.get(i), StandardCharsets.UTF_8)).build());
            }
            var result = sqs.get().sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            for (var failed : result.failed()) {
                send(chunk.get(Integer.parseInt(failed.id())));
            }
        }
    }

    /**
     * Starts {@code workers} pollers of the queue and one of its dead-letter queue. They stop after
     * the batch in hand when the queue is closed; a message they hold then comes back later.
     */
    public SqsStepQueue poll(String deadLetterUrl, Consumer<byte[]> handler, BiConsumer<byte[], String> deadLetter,
                             int workers) {
        for (int i = 0; i < workers; i++) {
            poller.start("sqs-steps-" + i, queueUrl, m -> {
                handler.accept(SqsPoller.body(m));
                return true;
            });
        }
        poller.start("sqs-dead-letters", deadLetterUrl, m -> {
            deadLetter.accept(SqsPoller.body(m), SqsPoller.deadLetterReason(m));
            return true;
        });
        return this;
    }

    /** Stops polling after the batch in hand (an interrupt could cut a store call off half way). */
    @Override
    public void close() {
        poller.close();
    }
}
