package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Lambda's SQS event source mapping does with {@code ReportBatchItemFailures}, over a real SQS
 * server (ElasticMQ): receives up to {@code batchSize} messages, invokes the handler's stream entry
 * with the SQS event Lambda would build of them, then deletes every record the answer does not
 * name in {@code batchItemFailures}; a handler that throws has the whole batch back. A record left
 * on the queue comes back when its visibility timeout ends, and after the queue's
 * {@code maxReceiveCount} SQS moves it to the dead-letter queue.
 */
final class SqsEventSource implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final String url;
    private final String arn;
    private final RequestStreamHandler handler;
    private final int batchSize;
    /** Sends every message once more to its queue, as a second delivery arriving later. */
    private final boolean duplicate;
    private final Set<String> duplicated = ConcurrentHashMap.newKeySet();
    private final Thread loop;
    private volatile boolean closed;
    private volatile boolean busy;
    final AtomicInteger invocations = new AtomicInteger();
    final AtomicInteger failedRecords = new AtomicInteger();

    private SqsEventSource(SqsClient sqs, String url, RequestStreamHandler handler, int batchSize, boolean duplicate) {
        this.sqs = sqs;
        this.url = url;
        this.arn = arn(sqs, url);
        this.handler = handler;
        this.batchSize = batchSize;
        this.duplicate = duplicate;
        this.loop = Thread.ofVirtual().name("event-source " + url.substring(url.lastIndexOf('/') + 1)).start(this::run);
    }

    static SqsEventSource start(SqsClient sqs, String url, RequestStreamHandler handler, int batchSize, boolean duplicate) {
        return new SqsEventSource(sqs, url, handler, batchSize, duplicate);
    }

    static String arn(SqsClient sqs, String url) {
        return sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /** Received messages as Lambda hands them to the function: {@code {"Records": [...]}}. */
    static ObjectNode event(List<Message> messages, String arn) {
        ObjectNode event = JSON.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message m : messages) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId()).put("receiptHandle", m.receiptHandle()).put("body", m.body());
            ObjectNode attributes = r.putObject("attributes");
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            r.putObject("messageAttributes");
            r.put("md5OfBody", m.md5OfBody()).put("eventSource", "aws:sqs").put("eventSourceARN", arn)
                    .put("awsRegion", "us-east-1");
        }
        return event;
    }

    /** Invokes a handler's stream entry with an event; its answer. */
    static JsonNode invoke(RequestStreamHandler handler, JsonNode event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out, null);
        return JSON.readTree(out.toByteArray());
    }

    /** Receives a batch as the event source does (with the system attributes Lambda passes on). */
    static List<Message> receive(SqsClient sqs, String url, int max) {
        return sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(max).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }

    private void run() {
        while (!closed) {
            List<Message> batch;
            try {
                batch = receive(sqs, url, batchSize);
            } catch (SdkException e) {
                continue; // the server stops with the JVM; closed is then set
            }
            if (batch.isEmpty()) {
                continue;
            }
            busy = true;
            try {
                if (duplicate) {
                    for (Message m : batch) {
                        if (duplicated.add(m.body())) {
                            sqs.sendMessage(b -> b.queueUrl(url).messageBody(m.body()));
                        }
                    }
                }
                invocations.incrementAndGet();
                Set<String> failed = new HashSet<>();
                try {
                    JsonNode answer = invoke(handler, event(batch, arn));
                    answer.path("batchItemFailures").forEach(f -> failed.add(f.path("itemIdentifier").asText()));
                } catch (IOException | RuntimeException e) {
                    // the function failed: Lambda deletes nothing, every record comes back
                    batch.forEach(m -> failed.add(m.messageId()));
                }
                failedRecords.addAndGet(failed.size());
                List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                for (Message m : batch) {
                    if (!failed.contains(m.messageId())) {
                        done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                                .receiptHandle(m.receiptHandle()).build());
                    }
                }
                if (!done.isEmpty()) {
                    sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(done));
                }
            } finally {
                busy = false;
            }
        }
    }

    /** How many messages it sent a second time. */
    int duplicates() {
        return duplicated.size();
    }

    /** Whether it holds no batch and its queue has no message, visible or in flight. */
    boolean idle() {
        var attributes = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return !busy && attributes.values().stream().allMatch("0"::equals);
    }

    @Override
    public void close() {
        closed = true;
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "event source of " + url + " (" + invocations + " invocations, " + failedRecords + " failed records)";
    }
}
