package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.webhook.Webhook;
import io.visionflow.webhook.WebhookReceiver;
import io.visionflow.webhook.WebhookSender;
import io.visionflow.webhook.sqs.SqsWebhookQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import static io.visionflow.functions.AsyncDeployment.JSON;
import static io.visionflow.functions.AsyncDeployment.plain;
import static io.visionflow.functions.AsyncDeployment.record;
import static io.visionflow.functions.AsyncDeployment.street;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Async requests as the cloud runs them, on loopback: submitted through the API function's
 * handler, their step messages routed by kind to the control, model and service queues on
 * ElasticMQ, their runs in DynamoDB (dynalite), images and models in S3 (s3rver), and each queue
 * fed to its function's handler as Lambda's event source would (batches, partial batch failures,
 * redelivery after the visibility timeout, the dead-letter queue after the redrive policy's
 * receives). Records and credits must be those of the sync endpoint.
 */
class StepQueuesTest {
    @TempDir
    static Path cache;
    static AsyncDeployment deployment;

    static final List<String> RECORDS = List.of(record("street", street()), record("white", plain(Color.WHITE)),
            record("navy", plain(new Color(0, 0, 90))));

    @BeforeAll
    static void deploy() throws IOException {
        deployment = new AsyncDeployment(cache);
    }

    @AfterAll
    static void tearDown() {
        deployment.close();
    }

    private static void assertSameAsSync(JsonNode request, JsonNode sync) {
        assertThat(request.path("status").asText()).as(request.toString()).isEqualTo("DONE");
        JsonNode response = request.path("response");
        assertThat(response.path("records")).isEqualTo(sync.path("records"));
        assertThat(response.at("/statistics/credits")).isEqualTo(sync.at("/statistics/credits"));
        assertThat(response.at("/statistics/credits_by_action")).isEqualTo(sync.at("/statistics/credits_by_action"));
    }

    @Test
    void anAsyncRequestThroughTheApiFunctionEndsDoneWithTheRecordsAndCreditsOfTheSyncEndpoint() {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5).start(false)) {
            for (String flow : List.of(deployment.fashion, deployment.vehicles, deployment.nested)) {
                JsonNode sync = deployment.sync(flow, RECORDS);
                long before = deployment.credits();
                String id = f.submit(flow, RECORDS);
                JsonNode done = f.awaitFinished(id);
                assertSameAsSync(done, sync);
                assertThat(sync.at("/statistics/credits").asInt()).isPositive();
                f.awaitDrained();
                assertThat(deployment.credits() - before).isEqualTo(sync.at("/statistics/credits").asLong());
            }
            JsonNode vehicles = deployment.sync(deployment.vehicles, RECORDS);
            assertThat(vehicles.at("/records/0/_objects/0/colour/best_label/name").asText()).isEqualTo("red");
            // control and model steps only, none failed, no dead letters
            assertThat(f.sources.get(0).invocations.get()).as("control").isPositive();
            assertThat(f.sources.get(1).invocations.get()).as("model").isPositive();
            assertThat(f.sources.get(2).invocations.get()).as("service").isZero();
            assertThat(f.sources.subList(3, 6)).allSatisfy(s -> assertThat(s.invocations.get()).isZero());
            assertThat(f.sources).allSatisfy(s -> assertThat(s.failedRecords.get()).isZero());
        }
    }

    @Test
    void aRequestTooLargeForAnItemOrAMessageEndsDoneWithEveryResultAndItsWebhookCarriesThemAll() throws Exception {
        // a request of 1000 records holds over a megabyte of JSON each way; 120 with long ids hold
        // enough to overflow what an item keeps inline (100 KB) and what an SQS message takes
        int count = 120;
        List<String> records = new ArrayList<>();
        Color[] colours = {Color.RED, Color.GREEN, Color.BLUE};
        for (int i = 0; i < count; i++) {
            // an image of its own per record, as in life: s3rver rewrites an object in place, so a read
            // racing a rewrite of the same key (each record's start stores its image) can see half a
            // file, where S3 replaces objects atomically
            BufferedImage image = plain(colours[i % 3]);
            image.setRGB(i % 40, i / 40, colours[i % 3].darker().getRGB());
            records.add(record("record-" + i + "-" + "x".repeat(1800), image));
        }
        ElasticMq.Queues webhooks = ElasticMq.queues("webhooks", 30, 3);
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200);
             AsyncDeployment.Functions f = deployment.functions(30, 5, webhooks).start(false)) {
            WebhookEnvironment.Consumer consumer = WebhookEnvironment.create(f.env, WebhookSender.Options.defaults(),
                    RandomGenerator.getDefault());
            try (SqsWebhookQueue webhookFunction = consumer.queue().poll(consumer.deliveries(), webhooks.deadLetterUrl(), 1)) {
                String id = f.submit(deployment.tone, records, receiver.uri());
                JsonNode done = f.awaitFinished(id);
                assertThat(done.path("status").asText()).as(done.toString().substring(0, 300)).isEqualTo("DONE");
                JsonNode results = done.at("/response/records");
                assertThat(results).hasSize(count);
                for (int i = 0; i < count; i++) {
                    assertThat(results.get(i).path("_id").asText()).startsWith("record-" + i + "-");
                    assertThat(results.get(i).at("/_status/code").asInt()).as(results.get(i).path("_status").toString()).isEqualTo(200);
                    assertThat(results.get(i).at("/tone/best_label/name").asText()).isEqualTo(List.of("red", "green", "blue").get(i % 3));
                }
                // the request and its results were kept in the bucket, too large for their item
                assertThat(AwsEmulators.s3Client().listObjectsV2(b -> b.bucket(deployment.blobs.bucket())
                        .prefix(S3BlobStore.REQUEST_PREFIX)).keyCount()).isGreaterThanOrEqualTo(2);

                AsyncDeployment.await(() -> receiver.received().size() == 1, () -> "the webhook: " + receiver.received());
                JsonNode announced = JSON.readTree(receiver.received().get(0).body());
                assertThat(announced.path("id").asText()).isEqualTo(id);
                assertThat(announced.at("/response/records")).isEqualTo(results);
                assertThat(Webhook.verify("secret", receiver.received().get(0).header(Webhook.TIMESTAMP_HEADER),
                        receiver.received().get(0).body(), receiver.received().get(0).header(Webhook.SIGNATURE_HEADER))).isTrue();
            }
        }
    }

    @Test
    void serviceStepsTravelOnTheServiceQueueToTheServiceWorker() {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5).start(false)) {
            JsonNode sync = deployment.sync(deployment.withService, RECORDS);
            // the API function as deployed has no ONNX Runtime, so no services: it checks the flow
            // against the built-in services' rules, and the service worker runs the step
            String id = f.submit(deployment.withService, RECORDS);
            var badParams = f.api.handle(io.visionflow.api.ApiRequest.json("POST", "/flows/v2/validate", AsyncDeployment.TOKEN,
                    "{\"name\": \"p\", \"top_node\": {\"type\": \"service\", \"service\": \"dominant_colors\","
                            + " \"output_field\": \"palette\", \"params\": {\"count\": 99}}}"));
            assertThat(badParams.bodyText()).as("the rules are the services' own").contains("top_node.params.count");
            assertSameAsSync(f.awaitFinished(id), sync);
            assertThat(sync.at("/records/0/palette")).isNotEmpty();
            assertThat(f.sources.get(2).invocations.get()).as("the service worker's event source").isPositive();
        }
    }

    @Test
    void everyMessageDeliveredTwiceChangesNothingAndChargesOnce() {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5).start(true)) {
            JsonNode sync = deployment.sync(deployment.vehicles, RECORDS);
            long before = deployment.credits();
            String id = f.submit(deployment.vehicles, RECORDS);
            JsonNode done = f.awaitFinished(id);
            assertSameAsSync(done, sync);
            // the duplicates keep coming after the end: once they are all handled, nothing has changed
            f.awaitDrained();
            assertThat(deployment.credits() - before).isEqualTo(sync.at("/statistics/credits").asLong());
            JsonNode after = AsyncDeployment.ok(deployment.inProcess, "GET", "/account/v2/request/" + id, null, 200);
            assertThat(after.path("response")).isEqualTo(done.path("response"));
            assertThat(after.path("status").asText()).isEqualTo("DONE");
            assertThat(f.sources.subList(0, 2)).allSatisfy(s -> assertThat(s.duplicates()).isPositive());
        }
    }

    @Test
    void aPoisonMessageEndsItsRecordFromTheDeadLetterQueueAndTheRequestStillFinishes() throws IOException {
        // a failed record comes back after 1 s, and moves to the dead-letter queue on its 3rd receive
        try (AsyncDeployment.Functions f = deployment.functions(1, 2)) {
            long before = deployment.credits();
            String id = f.submit(deployment.fashion, RECORDS.subList(0, 2));
            // the start message of record 1 is spoiled on its way: no delivery can start the record
            List<Message> starts = new ArrayList<>();
            AsyncDeployment.await(() -> {
                starts.addAll(SqsEventSource.receive(f.sqs, f.control.url(), 10));
                return starts.size() == 2;
            }, starts::toString);
            for (Message m : starts) {
                ObjectNode body = (ObjectNode) JSON.readTree(m.body());
                if (body.path("record").asInt() == 1) {
                    body.put("start", "spoiled");
                }
                f.sqs.sendMessage(b -> b.queueUrl(f.control.url()).messageBody(body.toString()));
                f.sqs.deleteMessage(b -> b.queueUrl(f.control.url()).receiptHandle(m.receiptHandle()));
            }
            f.start(false);

            JsonNode done = f.awaitFinished(id);
            assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("DONE");
            JsonNode records = done.at("/response/records");
            assertThat(records.at("/0/_status/code").asInt()).isEqualTo(200);
            assertThat(records.at("/0/fashion_category").asText()).isNotEmpty();
            assertThat(records.at("/1/_status/code").asInt()).isEqualTo(500);
            assertThat(records.at("/1/_status/text").asText()).contains("record 1 could not run")
                    .contains("moved to the dead-letter queue after");
            JsonNode sync = deployment.sync(deployment.fashion, RECORDS.subList(0, 1));
            assertThat(records.get(0)).isEqualTo(sync.at("/records/0"));
            assertThat(done.at("/response/statistics/credits")).isEqualTo(sync.at("/statistics/credits"));
            f.awaitDrained();
            // charged once, for record 0 only (the sync call above charged as much again)
            assertThat(deployment.credits() - before).isEqualTo(2 * sync.at("/statistics/credits").asLong());
            assertThat(f.sources.get(3).invocations.get()).as("the control dead-letter queue's function").isPositive();
        }
    }

    @Test
    void aBatchWithABadRecordReportsOnlyThatRecordAndDropsWhatIsNoStepMessage() throws IOException {
        try (AsyncDeployment.Functions f = deployment.functions(30, 5)) {
            f.submit(deployment.fashion, RECORDS.subList(0, 2));
            List<Message> starts = new ArrayList<>();
            AsyncDeployment.await(() -> {
                starts.addAll(SqsEventSource.receive(f.sqs, f.control.url(), 10));
                return starts.size() == 2;
            }, starts::toString);
            Message good = starts.stream().filter(m -> m.body().contains("\"record\":0")).findFirst().orElseThrow();
            Message other = starts.stream().filter(m -> m != good).findFirst().orElseThrow();
            ObjectNode event = SqsEventSource.event(List.of(good, other), "arn:aws:sqs:us-east-1:000000000000:control");
            // record 1's start, spoiled: a step message no delivery can handle, so it must come back
            ObjectNode spoiled = (ObjectNode) JSON.readTree(other.body());
            spoiled.put("start", "spoiled");
            ((ObjectNode) event.path("Records").get(1)).put("body", spoiled.toString()).put("messageId", "spoiled-start");
            // and bytes that are no step message at all: dropped, never delivered again
            ObjectNode garbage = ((com.fasterxml.jackson.databind.node.ArrayNode) event.path("Records")).addObject();
            garbage.put("messageId", "garbage").put("body", "{\"hello\": \"world\"}").put("eventSource", "aws:sqs");

            JsonNode answer = SqsEventSource.invoke(f.controlHandler, event);

            assertThat(answer).isEqualTo(JSON.readTree("{\"batchItemFailures\": [{\"itemIdentifier\": \"spoiled-start\"}]}"));
            // record 0 started all the same: its top step went to the model queue
            List<Message> next = new ArrayList<>();
            AsyncDeployment.await(() -> {
                next.addAll(SqsEventSource.receive(f.sqs, f.model.url(), 10));
                return !next.isEmpty();
            }, next::toString);
            assertThat(next).singleElement().satisfies(m -> {
                assertThat(AsyncSteps.kind(m.body().getBytes(StandardCharsets.UTF_8))).isEqualTo("model");
                assertThat(JSON.readTree(m.body()).path("record").asInt()).isZero();
            });
        }
    }
}
