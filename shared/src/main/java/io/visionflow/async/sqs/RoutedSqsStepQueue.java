package io.visionflow.async.sqs;

import io.visionflow.async.AsyncSteps;
import io.visionflow.async.StepQueue;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Step messages on one SQS queue per kind of worker (DESIGN section 4): each message goes to the
 * queue of its {@link AsyncSteps#kind} ({@code model}, {@code service}, {@code control}), consumed by
 * the function that holds what it needs; a kind without a queue of its own goes to the control
 * queue. Sending is {@link SqsStepQueue}'s, per destination: a batch is split by queue, each part
 * sent in batches of ten.
 */
public final class RoutedSqsStepQueue implements StepQueue, AutoCloseable {
    private final SqsStepQueue control;
    private final Map<String, SqsStepQueue> byKind = new LinkedHashMap<>();

    /**
     * @param sqs  the client, asked for on each call (so it can be built on first use)
     * @param urls queue URL by kind; {@link AsyncSteps#CONTROL} is required
     */
    public RoutedSqsStepQueue(Supplier<SqsClient> sqs, Map<String, String> urls) {
        Objects.requireNonNull(urls.get(AsyncSteps.CONTROL), "the control queue's URL");
        urls.forEach((kind, url) -> byKind.put(kind, new SqsStepQueue(sqs, url)));
        this.control = byKind.get(AsyncSteps.CONTROL);
    }

    /** The queue a message of this kind goes to. */
    public String url(String kind) {
        return queue(kind).url();
    }

    private SqsStepQueue queue(String kind) {
        return byKind.getOrDefault(kind, control);
    }

    @Override
    public void send(byte[] message) {
        queue(AsyncSteps.kind(message)).send(message);
    }

    /** One batch per destination, in the order the messages came. */
    @Override
    public void sendAll(List<byte[]> messages) {
        Map<SqsStepQueue, List<byte[]>> split = new LinkedHashMap<>();
        for (byte[] m : messages) {
            split.computeIfAbsent(queue(AsyncSteps.kind(m)), q -> new ArrayList<>()).add(m);
        }
        split.forEach(SqsStepQueue::sendAll);
    }

    /**
     * Receives in this process (long-running hosts and tests; in Lambda the event sources do):
     * {@code workers} pollers on each queue and one on each of their dead-letter queues, whose
     * URLs are given by kind as the queues are.
     */
    public RoutedSqsStepQueue poll(Map<String, String> deadLetterUrls, Consumer<byte[]> handler,
                                   BiConsumer<byte[], String> deadLetter, int workers) {
        byKind.forEach((kind, queue) -> {
            String dlq = Objects.requireNonNull(deadLetterUrls.get(kind), "the dead-letter queue of " + kind);
            queue.poll(dlq, handler, deadLetter, workers);
        });
        return this;
    }

    @Override
    public void close() {
        byKind.values().forEach(SqsStepQueue::close);
    }
}
