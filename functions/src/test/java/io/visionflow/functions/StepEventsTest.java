package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.visionflow.functions.AsyncDeployment.JSON;
import static io.visionflow.functions.AsyncDeployment.plain;
import static io.visionflow.functions.AsyncDeployment.record;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample SQS events of events/steps through the control function's handler, on a run submitted
 * through the API function (its own start messages taken off the queue first, so the sample's are
 * the ones that start it), against ElasticMQ, dynalite and s3rver.
 */
class StepEventsTest {
    @TempDir
    static Path cache;
    static AsyncDeployment deployment;
    static final List<String> RECORDS = List.of(record("shirt-1", plain(Color.WHITE)), record("shirt-2", plain(Color.BLACK)));

    @BeforeAll
    static void deploy() throws IOException {
        deployment = new AsyncDeployment(cache);
    }

    @AfterAll
    static void tearDown() {
        deployment.close();
    }

    static Path dir() {
        return EventFiles.dir().resolveSibling("steps");
    }

    /** A request of these records, submitted and stored, whose start messages are taken off the control queue unhandled. */
    private static Map<String, String> submitted(AsyncDeployment.Functions f, List<String> records) {
        String id = f.submit(deployment.fashion, records);
        List<Message> starts = new ArrayList<>();
        AsyncDeployment.await(() -> {
            starts.addAll(SqsEventSource.receive(f.sqs, f.control.url(), 10));
            return starts.size() == records.size();
        }, starts::toString);
        starts.forEach(m -> f.sqs.deleteMessage(b -> b.queueUrl(f.control.url()).receiptHandle(m.receiptHandle())));
        String blob = deployment.stores.requests().get(AsyncDeployment.ACCOUNT, id).orElseThrow()
                .payload().at("/records/0/_blob").asText();
        assertThat(blob).isNotEmpty();
        return Map.of("RUN", id, "IMAGE_BLOB", blob);
    }

    static JsonNode invoke(ControlHandler handler, String name, Map<String, String> values) throws IOException {
        String event = Files.readString(dir().resolve(name + ".json"));
        for (var e : values.entrySet()) {
            event = event.replace("${" + e.getKey() + "}", e.getValue());
        }
        assertThat(event).doesNotContain("${");
        return SqsEventSource.invoke(handler, JSON.readTree(event));
    }

    @Test
    void start() throws IOException {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5)) {
            Map<String, String> values = submitted(f, RECORDS.subList(0, 1));
            JsonNode answer = invoke(f.controlHandler, "start", values);
            assertThat(answer).isEqualTo(JSON.readTree("{\"batchItemFailures\": []}"));
            // the record started: the rest of its run goes through the queues to its end
            f.start(false);
            JsonNode done = f.awaitFinished(values.get("RUN"));
            assertThat(done.path("status").asText()).isEqualTo("DONE");
            assertThat(done.at("/response/records")).isEqualTo(deployment.sync(deployment.fashion, RECORDS.subList(0, 1)).path("records"));
        }
    }

    @Test
    void twoRecordsOneGarbage() throws IOException {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5)) {
            Map<String, String> values = submitted(f, RECORDS);
            JsonNode answer = invoke(f.controlHandler, "two-records-one-garbage", values);
            // only the spoiled record comes back (and after the redrive's receives, ends from the DLQ)
            assertThat(answer).isEqualTo(JSON.readTree(
                    "{\"batchItemFailures\": [{\"itemIdentifier\": \"c4b5a601-8f3e-4a2c-b1d0-6e9a7f1e2d3c\"}]}"));
            List<Message> next = new ArrayList<>();
            AsyncDeployment.await(() -> {
                next.addAll(SqsEventSource.receive(f.sqs, f.model.url(), 10));
                return !next.isEmpty();
            }, next::toString);
            assertThat(next).singleElement().satisfies(m -> assertThat(JSON.readTree(m.body()).path("record").asInt()).isZero());
        }
    }

    @Test
    void notAStepMessage() throws IOException {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5)) {
            // dropped (and logged): no delivery could ever handle it
            assertThat(invoke(f.controlHandler, "not-a-step-message", Map.of()))
                    .isEqualTo(JSON.readTree("{\"batchItemFailures\": []}"));
        }
    }

    @Test
    void everyStepEventFileIsCovered() throws IOException {
        EventFiles.assertEveryFileHasATest(dir(), getClass(), "steps");
    }
}
