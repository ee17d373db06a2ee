package io.visionflow.async.sqs;

import io.visionflow.async.StepQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Step messages on SQS. {@link #send} is all a producer needs (in Lambda, the SQS event source
 * does the receiving). {@link #poll} receives in this process, for hosts that run for long and for
 * tests: a message is deleted only after its handler returned, so one whose handler threw comes
 * back after its visibility timeout, and after the queue's {@code maxReceiveCount} SQS moves it to
 * the dead-letter queue, whose messages go to the dead-letter handler.
 */
public final class SqsStepQueue implements StepQueue, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SqsStepQueue.class.getName());

    private final Supplier<SqsClient> sqs;
    private final String queueUrl;
    private final List<Thread> pollers = new ArrayList<>();
    private volatile boolean closed;

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
            pollers.add(Thread.ofVirtual().name("sqs-steps-" + i).start(() -> loop(queueUrl, (m, body) -> handler.accept(body))));
        }
        pollers.add(Thread.ofVirtual().name("sqs-dead-letters").start(() -> loop(deadLetterUrl, (m, body) ->
                deadLetter.accept(body, "moved to the dead-letter queue after "
                        + m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "several")
                        + " receives"))));
        return this;
    }

    private void loop(String url, BiConsumer<Message, byte[]> handle) {
        while (!closed) {
            List<Message> batch;
            try {
                batch = sqs.get().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
            } catch (SdkException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "cannot receive from " + url + ": " + e.getMessage());
                }
                continue;
            }
            List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
            for (Message m : batch) {
                try {
                    handle.accept(m, m.body().getBytes(StandardCharsets.UTF_8));
                    done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                            .receiptHandle(m.receiptHandle()).build());
                } catch (RuntimeException e) {
                    // left on the queue: SQS delivers it again when its visibility timeout ends
                    LOG.log(System.Logger.Level.DEBUG, "a step message failed, it will come back: " + e);
                }
            }
            if (!done.isEmpty()) {
                try {
                    sqs.get().deleteMessageBatch(b -> b.queueUrl(url).entries(done));
                } catch (SdkException e) {
                    // not deleted: delivered again, and handled again without effect
                    LOG.log(System.Logger.Level.WARNING, "cannot delete handled messages: " + e.getMessage());
                }
            }
        }
    }

    /** Stops polling after the batch in hand (an interrupt could cut a store call off half way). */
    @Override
    public void close() {
        closed = true;
        for (Thread t : pollers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
