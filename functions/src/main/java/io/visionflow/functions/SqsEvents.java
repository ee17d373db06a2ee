package io.visionflow.functions;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.sqs.SqsPoller;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * An SQS event of step messages, as an event source mapping with {@code ReportBatchItemFailures}
 * delivers it, read as a JSON tree (the runtime's event classes are not in the jars): each record's
 * body goes to the engine, the records of one event at the same time, and the answer names the
 * records that threw, so only they come back ({@code batchItemFailures}); one bad record never
 * makes SQS deliver the others again. A body that is no step message at all is logged and dropped:
 * no delivery could ever handle it.
 */
final class SqsEvents {
    private static final System.Logger LOG = System.getLogger(SqsEvents.class.getName());
    private static final ObjectMapper JSON = Mappers.create();

    private SqsEvents() {
    }

    /**
     * Whether these bytes are an SQS event ({@code {"Records": [...]}}) rather than a step invoked
     * directly; reads the first field only.
     */
    static boolean isSqsEvent(byte[] bytes) {
        try (JsonParser p = JSON.createParser(bytes)) {
            return p.nextToken() == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME
                    && p.currentName().equals("Records");
        } catch (IOException e) {
            return false;
        }
    }

    /** Hands each record's body to {@code handle} (throws: deliver again). */
    static ObjectNode steps(JsonNode event, Consumer<byte[]> handle) {
        return each(event, (record, body) -> handle.accept(body));
    }

    /**
     * Hands each record of a dead-letter queue to {@code deadLetter}, with the reason its record
     * ends with: its message failed on every delivery the queue's redrive policy allows.
     */
    static ObjectNode deadLetters(JsonNode event, BiConsumer<byte[], String> deadLetter) {
        return each(event, (record, body) -> deadLetter.accept(body,
                SqsPoller.deadLetterReason(record.path("attributes").path("ApproximateReceiveCount").asText("several"))));
    }

    private interface RecordHandler {
        void handle(JsonNode record, byte[] body);
    }

    private static ObjectNode each(JsonNode event, RecordHandler handler) {
        List<JsonNode> records = new ArrayList<>();
        event.path("Records").forEach(records::add);
        List<String> failed = new ArrayList<>();
        if (records.size() == 1) {
            if (!one(records.get(0), handler)) {
                failed.add(records.get(0).path("messageId").asText());
            }
        } else if (!records.isEmpty()) {
            // a step mostly waits (tables, S3, a model server), so the batch's records overlap
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Boolean>> done = new ArrayList<>();
                for (JsonNode r : records) {
                    done.add(pool.submit(() -> one(r, handler)));
                }
                for (int i = 0; i < records.size(); i++) {
                    if (!outcome(done.get(i))) {
                        failed.add(records.get(i).path("messageId").asText());
                    }
                }
            }
        }
        ObjectNode response = JSON.createObjectNode();
        ArrayNode failures = response.putArray("batchItemFailures");
        failed.forEach(id -> failures.addObject().put("itemIdentifier", id));
        return response;
    }

    /** Handles one record; false when it should be delivered again. */
    private static boolean one(JsonNode record, RecordHandler handler) {
        String id = record.path("messageId").asText();
        try {
            handler.handle(record, record.path("body").asText("").getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (AsyncSteps.NotAStepMessage e) {
            // never its body: it may hold what a client sent
            LOG.log(System.Logger.Level.ERROR, "message " + id + " dropped, " + e.getMessage());
            return true;
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "message " + id + " failed, SQS delivers it again", e);
            return false;
        }
    }

    private static boolean outcome(Future<Boolean> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return false; // an error one() does not catch (out of memory): the record comes again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
