package io.visionflow.functions;

import io.visionflow.json.Mappers;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.telemetry.JsonLogFormatter;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.sqs.SqsWebhookQueue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The webhook function: an SQS event of webhook messages in, {@code {"batchItemFailures": [...]}}
 * out (the event source mapping has {@code ReportBatchItemFailures}). Each record is one attempt
 * ({@link SqsWebhookQueue#receive}): delivered or given up, it is left out, and the event source
 * deletes it; to be retried, its visibility is set to the backoff and it is listed, so SQS hands it
 * out again then, or moves it to the dead-letter queue after the queue's maxReceiveCount.
 *
 * <p>A stream handler reading the event as a JSON tree, like {@link ApiHandler}: no event classes
 * in the jar. The records of a batch are attempted at the same time, so a batch takes as long as
 * its slowest endpoint, not their sum.
 */
public final class WebhookQueueHandler implements RequestStreamHandler {
    private static final System.Logger LOG = System.getLogger(WebhookQueueHandler.class.getName());
    private static final ObjectMapper JSON = Mappers.create();
    private final Supplier<WebhookEnvironment.Consumer> consumer;

    /**
     * For Lambda: built from the environment on the first event and kept for warm ones. Not at
     * SnapStart's checkpoint: there is nothing worth priming, and nothing random gets in the snapshot.
     */
    public WebhookQueueHandler() {
        this(Lazy.of(() -> WebhookEnvironment.create(System.getenv())));
        JsonLogFormatter.install();
    }

    /** For tests and other hosts. */
    public WebhookQueueHandler(SqsWebhookQueue queue, WebhookDeliveries deliveries) {
        this(() -> new WebhookEnvironment.Consumer(queue, deliveries));
    }

    private WebhookQueueHandler(Supplier<WebhookEnvironment.Consumer> consumer) {
        this.consumer = consumer;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JSON.writeValue(output, handle(JSON.readTree(input)));
    }

    /** One SQS event to its batch response. */
    ObjectNode handle(JsonNode event) {
        WebhookEnvironment.Consumer c = consumer.get();
        List<JsonNode> records = new ArrayList<>();
        event.path("Records").forEach(records::add);
        List<Future<Boolean>> retries = new ArrayList<>();
        try (ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (JsonNode record : records) {
                retries.add(attempts.submit(() -> retry(c, record)));
            }
        }
        ObjectNode response = JSON.createObjectNode();
        ArrayNode failures = response.putArray("batchItemFailures");
        for (int i = 0; i < records.size(); i++) {
            String id = records.get(i).path("messageId").asText("");
            if (outcome(retries.get(i)) && !id.isEmpty()) {
                failures.addObject().put("itemIdentifier", id);
            }
        }
        return response;
    }

    /** True when the record is to come back. A record that cannot be a message is dropped, not retried for ever. */
    private static boolean retry(WebhookEnvironment.Consumer c, JsonNode record) {
        JsonNode body = record.get("body");
        String receipt = record.path("receiptHandle").asText("");
        if (body == null || !body.isTextual() || receipt.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "an SQS record without a body or receipt handle was dropped: message "
                    + record.path("messageId").asText("(no id)"));
            return false;
        }
        return !c.queue().receive(c.deliveries(), body.asText(), receipt, receiveCount(record)).settled();
    }

    private static boolean outcome(Future<Boolean> retry) {
        try {
            return retry.get();
        } catch (ExecutionException e) {
            // a fault of ours, not of the message: it comes back, and the DLQ ends a fault that stays
            LOG.log(System.Logger.Level.ERROR, "a webhook record failed", e.getCause());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** SQS's {@code ApproximateReceiveCount}, this receive included: the attempt number. */
    static int receiveCount(JsonNode record) {
        try {
            return Math.max(1, Integer.parseInt(record.path("attributes").path("ApproximateReceiveCount").asText("1")));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
