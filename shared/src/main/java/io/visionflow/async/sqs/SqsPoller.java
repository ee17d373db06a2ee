package io.visionflow.async.sqs;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Receives from SQS queues in this process, for hosts that run for long and for tests (in Lambda,
 * the SQS event source does the receiving). Each {@link #start}ed loop receives up to ten messages
 * at a time, hands each to its handler and deletes in one batch those the handler is done with. A
 * message whose handler says otherwise, or throws, stays: SQS delivers it again when its visibility
 * timeout ends, and after the queue's {@code maxReceiveCount} moves it to the dead-letter queue.
 */
public final class SqsPoller implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SqsPoller.class.getName());

    /** One received message; true when it is done with and may be deleted. */
    @FunctionalInterface
    public interface Handler {
        boolean handle(Message message);
    }

    private final Supplier<SqsClient> sqs;
    private final List<Thread> loops = new ArrayList<>();
    private volatile boolean closed;

    public SqsPoller(SqsClient sqs) {
        this(() -> sqs);
    }

    /** A poller whose client is asked for when it polls, so a host may build it on first use. */
    public SqsPoller(Supplier<SqsClient> sqs) {
        this.sqs = sqs;
    }

    /** Starts receiving from {@code queueUrl} on a virtual thread of that name. */
    public synchronized SqsPoller start(String name, String queueUrl, Handler handler) {
        loops.add(Thread.ofVirtual().name(name).start(() -> loop(queueUrl, handler)));
        return this;
    }

    /** The message's body as the bytes that were sent. */
    public static byte[] body(Message m) {
        return m.body().getBytes(StandardCharsets.UTF_8);
    }

    /** How many times SQS has handed the message out, this time included; 1 when it does not say. */
    public static int receiveCount(Message m) {
        try {
            return Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void loop(String url, Handler handler) {
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
                    if (handler.handle(m)) {
                        done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                                .receiptHandle(m.receiptHandle()).build());
                    }
                } catch (RuntimeException e) {
                    // left on the queue: SQS delivers it again when its visibility timeout ends
                    LOG.log(System.Logger.Level.DEBUG, "a message from " + url + " failed, it will come back: " + e);
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

    /** Stops receiving after the batch in hand (an interrupt could cut a store call off half way). */
    @Override
    public void close() {
        closed = true;
        List<Thread> started;
        synchronized (this) {
            started = List.copyOf(loops);
        }
        for (Thread t : started) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Why a message is in a dead-letter queue, for the dead-letter handler: how often it was received before. */
    public static String deadLetterReason(Message m) {
        return deadLetterReason(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "several"));
    }

    /** The same, from the receive count as an SQS event of Lambda gives it. */
    public static String deadLetterReason(String receives) {
        return "moved to the dead-letter queue after " + receives + " receives";
    }
}
