package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.store.Account;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.webhook.Webhook;
import io.visionflow.webhook.WebhookMessage;
import io.visionflow.webhook.WebhookReceiver;
import io.visionflow.webhook.WebhookSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sample SQS events of events/webhook through the webhook handler built from its environment:
 * secrets from the accounts table (dynalite), the queue on ElasticMQ, the user's endpoint a real
 * HTTP server on loopback. Each record's body is put on the queue and received first, so the
 * handler works with real receipt handles, as under Lambda's event source mapping.
 */
class WebhookEventsTest {
    static final String ACCOUNT = "acct-webhooks";
    static final String SECRET = "whsec-events";
    static WebhookReceiver receiver;
    static ElasticMq.Queues queues;
    static Map<String, String> env;
    static WebhookQueueHandler handler;
    static final SqsClient sqs = ElasticMq.client();

    @BeforeAll
    static void start() throws IOException {
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        String prefix = "whk" + UUID.randomUUID().toString().substring(0, 8) + "-";
        DynamoStores.of(AwsEmulators.dynamoClient(), prefix).createTables().accounts()
                .create(new Account(ACCOUNT, "Webhooks", SECRET, Instant.now()));
        receiver = new WebhookReceiver((n, r) -> r.path().endsWith("/busy") ? 503 : 200, Map.of());
        // 30 s: a retry that comes back sooner does so because the handler said so
        queues = ElasticMq.queues("webhook-events", 30, 3);
        env = Map.of(ApiEnvironment.TABLE_PREFIX, prefix,
                ApiEnvironment.DYNAMODB_ENDPOINT, AwsEmulators.dynamoEndpoint().toString(),
                "AWS_REGION", "us-east-1",
                WebhookEnvironment.QUEUE_URL, queues.url(),
                WebhookEnvironment.SQS_ENDPOINT, ElasticMq.endpoint().toString(),
                Loopback.ENV, "true");
        // no backoff: a retry is visible again at once, which the test can see without waiting
        WebhookEnvironment.Consumer consumer = WebhookEnvironment.create(env, WebhookSender.Options.defaults()
                .withAttempts(3, Duration.ZERO, Duration.ZERO)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)), RandomGenerator.getDefault());
        handler = new WebhookQueueHandler(consumer.queue(), consumer.deliveries());
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (receiver != null) {
            receiver.close();
        }
    }

    static Path dir() {
        return EventFiles.dir().resolveSibling("webhook");
    }

    /** The event file with its endpoints filled in and every record on the queue, received once. */
    static ObjectNode event(String name) throws IOException {
        String text = Files.readString(dir().resolve(name + ".json"))
                .replace("${ENDPOINT}", receiver.uri().resolve("/ok").toString())
                .replace("${ENDPOINT_2}", receiver.uri().resolve("/busy").toString());
        assertThat(text).doesNotContain("${");
        ObjectNode event = (ObjectNode) EventFiles.JSON.readTree(text);
        for (JsonNode record : event.path("Records")) {
            ((ObjectNode) record).put("receiptHandle", sendAndReceive(record.path("body").asText()).receiptHandle());
        }
        return event;
    }

    static Message sendAndReceive(String body) {
        sqs.sendMessage(b -> b.queueUrl(queues.url()).messageBody(body));
        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queues.url()).waitTimeSeconds(5)).messages();
        assertThat(got).hasSize(1);
        return got.get(0);
    }

    static JsonNode invoke(JsonNode event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(EventFiles.JSON.writeValueAsBytes(event)), out, null);
        return EventFiles.JSON.readTree(out.toByteArray());
    }

    static List<WebhookReceiver.Received> receivedAt(String path) {
        return receiver.received().stream().filter(r -> r.path().equals(path)).toList();
    }

    @Test
    void oneWebhook() throws IOException {
        int before = receivedAt("/ok").size();
        ObjectNode event = event("one-webhook");
        JsonNode response = invoke(event);
        assertThat(response).isEqualTo(EventFiles.JSON.readTree("{\"batchItemFailures\": []}"));
        List<WebhookReceiver.Received> got = receivedAt("/ok");
        assertThat(got).hasSize(before + 1);
        WebhookReceiver.Received r = got.get(got.size() - 1);
        byte[] sent = WebhookMessage.fromJson(event.at("/Records/0/body").asText().getBytes(StandardCharsets.UTF_8)).body();
        assertThat(r.body()).isEqualTo(sent);
        assertThat(r.header("X-Mine")).isEqualTo("1");
        // signed with the secret of the account in the table
        assertThat(Webhook.verify(SECRET, r.header(Webhook.TIMESTAMP_HEADER), r.body(), r.header(Webhook.SIGNATURE_HEADER))).isTrue();
        assertThat(sqs.receiveMessage(b -> b.queueUrl(queues.url()).waitTimeSeconds(0)).messages()).isEmpty();
    }

    @Test
    void twoWebhooks() throws IOException {
        int okBefore = receivedAt("/ok").size();
        int busyBefore = receivedAt("/busy").size();
        ObjectNode event = event("two-webhooks");
        JsonNode response = invoke(event);
        // the busy endpoint's record comes back; the delivered one does not
        assertThat(response.path("batchItemFailures")).hasSize(1);
        assertThat(response.at("/batchItemFailures/0/itemIdentifier").asText()).isEqualTo(event.at("/Records/1/messageId").asText());
        assertThat(receivedAt("/ok")).hasSize(okBefore + 1);
        assertThat(receivedAt("/busy")).hasSize(busyBefore + 1);
        // the handler set its visibility to the backoff (none here), not the queue's 30 s
        List<Message> back = sqs.receiveMessage(b -> b.queueUrl(queues.url()).waitTimeSeconds(10)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        assertThat(back).hasSize(1);
        assertThat(back.get(0).body()).isEqualTo(event.at("/Records/1/body").asText());
        assertThat(back.get(0).attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("2");
        sqs.deleteMessage(b -> b.queueUrl(queues.url()).receiptHandle(back.get(0).receiptHandle()));
    }

    @Test
    void aMalformedRecordIsDroppedAndTheOthersAreHandled() throws IOException {
        int before = receivedAt("/ok").size();
        ObjectNode event = event("one-webhook");
        ArrayNode records = (ArrayNode) event.get("Records");
        ObjectNode garbage = records.get(0).deepCopy();
        garbage.put("messageId", "garbage-1");
        garbage.put("body", "not a webhook message");
        garbage.put("receiptHandle", sendAndReceive("not a webhook message").receiptHandle());
        ObjectNode bodiless = records.get(0).deepCopy();
        bodiless.put("messageId", "bodiless-1");
        bodiless.remove("body");
        records.insert(0, garbage);
        records.add(bodiless);
        JsonNode response = invoke(event);
        assertThat(response.path("batchItemFailures")).isEmpty();
        assertThat(receivedAt("/ok")).hasSize(before + 1);
    }

    @Test
    void theEnvironmentNamesWhatIsMissing() {
        assertThatThrownBy(() -> WebhookEnvironment.create(Map.of(ApiEnvironment.TABLE_PREFIX, "vf-")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(WebhookEnvironment.QUEUE_URL);
        assertThatThrownBy(() -> WebhookEnvironment.create(Map.of(WebhookEnvironment.QUEUE_URL, "https://sqs/q")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(ApiEnvironment.TABLE_PREFIX);
    }

    @Test
    void theReceiveCountIsTheAttemptNumber() {
        assertThat(WebhookQueueHandler.receiveCount(EventFiles.JSON.createObjectNode())).isEqualTo(1);
        assertThat(WebhookQueueHandler.receiveCount(EventFiles.JSON.createObjectNode().set("attributes",
                EventFiles.JSON.createObjectNode().put("ApproximateReceiveCount", "4")))).isEqualTo(4);
        assertThat(WebhookQueueHandler.receiveCount(EventFiles.JSON.createObjectNode().set("attributes",
                EventFiles.JSON.createObjectNode().put("ApproximateReceiveCount", "many")))).isEqualTo(1);
    }

    @Test
    void everyWebhookEventFileIsCovered() throws IOException {
        EventFiles.assertEveryFileHasATest(dir(), getClass(), "webhook");
    }
}
