package io.visionflow.webhook.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.store.memory.MemoryBlobStore;
import io.visionflow.webhook.Await;
import io.visionflow.webhook.LogLines;
import io.visionflow.webhook.Outcome;
import io.visionflow.webhook.Webhook;
import io.visionflow.webhook.WebhookDeliveries;
import io.visionflow.webhook.WebhookMessage;
import io.visionflow.webhook.WebhookReceiver;
import io.visionflow.webhook.WebhookSender;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Webhooks on SQS (ElasticMQ in the test JVM, with a dead-letter queue behind a redrive policy)
 * to a real HTTP endpoint on loopback. Attempts are counted by SQS's receive count, retries wait
 * as visibility timeouts, and a webhook whose attempts ran out ends in the dead-letter queue.
 */
class SqsWebhookQueueTest {
    static final String ACCOUNT = "acct-1";
    static final int ATTEMPTS = 3;
    /** The top of every jitter range, so each backoff is its cap: 1 s, 2 s, ... */
    static final RandomGenerator TOP = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    final SqsClient sqs = ElasticMq.client();

    static WebhookSender sender(Duration baseDelay, RandomGenerator random) {
        return new WebhookSender(WebhookSender.Options.defaults()
                .withAttempts(ATTEMPTS, baseDelay, baseDelay.multipliedBy(4))
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(300)), OutboundPolicy.allowingPrivate(),
                Clock.systemUTC(), random);
    }

    static WebhookSender sender() {
        return sender(Duration.ofMillis(5), RandomGenerator.getDefault());
    }

    static ElasticMq.Queues queues() {
        // the queue's maxReceiveCount is the sender's attempts, as in template.yaml
        return ElasticMq.queues("webhooks", 5, ATTEMPTS);
    }

    static WebhookMessage message(String id, URI endpoint) {
        return new WebhookMessage(ACCOUNT, id, endpoint, Map.of("X-Mine", "1"),
                ("{\"id\":\"" + id + "\",\"type\":\"flows\",\"status\":\"DONE\",\"response\":{\"records\":[]}}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    static boolean signedWith(String secret, WebhookReceiver.Received r) {
        return Webhook.verify(secret, r.header(Webhook.TIMESTAMP_HEADER), r.body(), r.header(Webhook.SIGNATURE_HEADER));
    }

    /** Messages on the queue, visible or not. */
    int waiting(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    void awaitEmpty(ElasticMq.Queues q) {
        Await.until("the queue is empty", () -> waiting(q.url()) == 0);
        assertThat(waiting(q.deadLetterUrl())).as("dead letters").isZero();
    }

    @Test
    void aServerErrorThenDeliveredOnTheSecondReceiveWithTheSameSignedBody() throws Exception {
        ElasticMq.Queues q = queues();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? 500 : 200);
             WebhookSender sender = sender();
             LogLines logs = new LogLines(WebhookDeliveries.class);
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            WebhookMessage m = message("req-500", receiver.uri());
            queue.enqueue(m);
            queue.poll(new WebhookDeliveries(sender, a -> Optional.of("s3cret")), q.deadLetterUrl(), 1);
            Await.until("two attempts", () -> receiver.received().size() == 2);
            awaitEmpty(q);
            for (WebhookReceiver.Received r : receiver.received()) {
                assertThat(r.body()).isEqualTo(m.body());
                assertThat(signedWith("s3cret", r)).isTrue();
            }
            JsonNode delivered = logs.json().stream().filter(l -> l.path("outcome").asText().equals("delivered"))
                    .findFirst().orElseThrow();
            assertThat(delivered.path("attempt").asInt()).isEqualTo(2);
            assertThat(delivered.path("request_id").asText()).isEqualTo("req-500");
        }
    }

    @Test
    void anEndpointThatNeverAnswersIsRetriedLaterAndLaterThenEndsInTheDeadLetterQueue() throws Exception {
        ElasticMq.Queues q = queues();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> -3_000); // answers long after every timeout
             WebhookSender sender = sender(Duration.ofSeconds(1), TOP);
             LogLines logs = new LogLines(WebhookDeliveries.class);
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> Optional.of("s3cret"));
            queue.enqueue(message("req-silent", receiver.uri()));
            // received here, one at a time, to see each outcome and receive count
            List<Outcome> outcomes = new ArrayList<>();
            List<Integer> receiveCounts = new ArrayList<>();
            while (outcomes.size() < ATTEMPTS) {
                for (Message m : receive(q.url())) {
                    receiveCounts.add(Integer.parseInt(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
                    outcomes.add(queue.receive(deliveries, m.body(), m.receiptHandle(),
                            Integer.parseInt(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))));
                }
            }
            assertThat(receiveCounts).containsExactly(1, 2, 3);
            assertThat(outcomes.get(0)).isInstanceOfSatisfying(Outcome.Retry.class, r -> {
                assertThat(r.error()).startsWith("timed out");
                assertThat(SqsWebhookQueue.visibilitySeconds(r.delay())).isEqualTo(1);
            });
            assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Retry.class,
                    r -> assertThat(SqsWebhookQueue.visibilitySeconds(r.delay())).isEqualTo(2));
            assertThat(outcomes.get(2)).isInstanceOf(Outcome.Exhausted.class);
            assertThat(receiver.received()).hasSize(ATTEMPTS);

            // its next receive moves it to the dead-letter queue, whose handler reports it given up
            Await.until("moved to the dead-letter queue", () -> {
                assertThat(receive(q.url())).isEmpty();
                return waiting(q.deadLetterUrl()) == 1;
            });
            queue.poll(deliveries, q.deadLetterUrl(), 0);
            Await.until("reported", () -> logs.json().stream().anyMatch(l -> l.path("outcome").asText().equals("given_up")));
            Await.until("the dead-letter queue is empty", () -> waiting(q.deadLetterUrl()) == 0);
            JsonNode line = logs.json().stream().filter(l -> l.path("outcome").asText().equals("given_up")).findFirst().orElseThrow();
            assertThat(line.path("request_id").asText()).isEqualTo("req-silent");
            assertThat(line.path("account").asText()).isEqualTo(ACCOUNT);
            assertThat(line.path("level").asText()).isEqualTo("WARNING");
            assertThat(line.path("message").asText()).contains("webhook for request req-silent given up", "dead-letter queue");
            assertThat(String.join("\n", logs.text())).doesNotContain("\"records\"", "s3cret");
            assertThat(receiver.received()).hasSize(ATTEMPTS);
        }
    }

    private List<Message> receive(String url) {
        return sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(1).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
    }

    @Test
    void goneAndBadRequestGiveUpAtOnce() throws Exception {
        ElasticMq.Queues q = queues();
        try (WebhookReceiver receiver = new WebhookReceiver((n, r) -> r.path().endsWith("/gone") ? 410 : 400, Map.of());
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            queue.enqueue(message("req-gone", receiver.uri().resolve("/gone")));
            queue.enqueue(message("req-bad", receiver.uri().resolve("/bad")));
            queue.poll(new WebhookDeliveries(sender, a -> Optional.of("s3cret")), q.deadLetterUrl(), 1);
            Await.until("two attempts", () -> receiver.received().size() == 2);
            awaitEmpty(q);
            assertThat(receiver.received()).extracting(WebhookReceiver.Received::path).containsExactlyInAnyOrder("/gone", "/bad");
        }
    }

    /** At least once: a message sent twice is delivered twice, with the same body; receivers deduplicate on its id. */
    @Test
    void aDuplicateMessageIsDeliveredTwiceWithTheSameId() throws Exception {
        ElasticMq.Queues q = queues();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200);
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            WebhookMessage m = message("req-twice", receiver.uri());
            queue.enqueue(m);
            queue.enqueue(m);
            queue.poll(new WebhookDeliveries(sender, a -> Optional.of("s3cret")), q.deadLetterUrl(), 2);
            Await.until("two deliveries", () -> receiver.received().size() == 2);
            awaitEmpty(q);
            assertThat(receiver.received()).allSatisfy(r -> {
                assertThat(r.body()).isEqualTo(m.body());
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"id\":\"req-twice\"");
                assertThat(signedWith("s3cret", r)).isTrue();
            });
        }
    }

    @Test
    void aSecretRotatedBetweenAttemptsSignsTheNextOne() throws Exception {
        ElasticMq.Queues q = queues();
        Map<String, String> secrets = new ConcurrentHashMap<>(Map.of(ACCOUNT, "old-secret"));
        try (WebhookReceiver receiver = new WebhookReceiver(n -> {
                 if (n == 1) {
                     secrets.put(ACCOUNT, "new-secret"); // rotated while the first attempt is answered
                     return 503;
                 }
                 return 200;
             });
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            queue.enqueue(message("req-rotated", receiver.uri()));
            queue.poll(new WebhookDeliveries(sender, a -> Optional.ofNullable(secrets.get(a))), q.deadLetterUrl(), 1);
            Await.until("two attempts", () -> receiver.received().size() == 2);
            awaitEmpty(q);
            assertThat(signedWith("old-secret", receiver.received().get(0))).isTrue();
            assertThat(signedWith("new-secret", receiver.received().get(1))).isTrue();
            assertThat(signedWith("old-secret", receiver.received().get(1))).isFalse();
        }
    }

    @Test
    void aMalformedMessageIsDroppedWithoutHoldingUpTheOthers() throws Exception {
        ElasticMq.Queues q = queues();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200);
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url())) {
            sqs.sendMessage(b -> b.queueUrl(q.url()).messageBody("{\"not\": \"a webhook\"}"));
            sqs.sendMessage(b -> b.queueUrl(q.url()).messageBody("plain text"));
            queue.enqueue(message("req-fine", receiver.uri()));
            queue.poll(new WebhookDeliveries(sender, a -> Optional.of("s3cret")), q.deadLetterUrl(), 1);
            Await.until("delivered", () -> receiver.received().size() == 1);
            // dropped at once, not retried into the dead-letter queue
            awaitEmpty(q);
            assertThat(new String(receiver.received().get(0).body(), StandardCharsets.UTF_8)).contains("req-fine");
        }
    }

    @Test
    void aWebhookTooLargeForAnSqsMessageWaitsInTheBlobStoreAndIsDeliveredWhole() throws Exception {
        ElasticMq.Queues q = queues();
        MemoryBlobStore blobs = new MemoryBlobStore();
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            records.append(i == 0 ? "" : ",").append("{\"_id\":\"r").append(i).append("\",\"label\":\"").append("x".repeat(400)).append("\"}");
        }
        byte[] body = ("{\"id\":\"req-big\",\"type\":\"flows\",\"status\":\"DONE\",\"response\":{\"records\":[" + records + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? 500 : 200);
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url(), blobs)) {
            WebhookMessage m = new WebhookMessage(ACCOUNT, "req-big", receiver.uri(), Map.of(), body);
            assertThat(m.toJson().length).isGreaterThan(SqsWebhookQueue.MAX_INLINE_BYTES);
            queue.enqueue(m);
            // on the queue: a small message that names the blob, the account and the request
            Message waiting = receive(q.url()).get(0);
            assertThat(waiting.body().length()).isLessThan(1000);
            assertThat(waiting.body()).contains("req-big").contains(ACCOUNT + "/request/");
            sqs.changeMessageVisibility(b -> b.queueUrl(q.url()).receiptHandle(waiting.receiptHandle()).visibilityTimeout(0));

            queue.poll(new WebhookDeliveries(sender, a -> Optional.of("s3cret")), q.deadLetterUrl(), 1);
            Await.until("two attempts", () -> receiver.received().size() == 2);
            awaitEmpty(q);
            for (WebhookReceiver.Received r : receiver.received()) {
                assertThat(r.body()).isEqualTo(body);
                assertThat(signedWith("s3cret", r)).isTrue();
            }
        }
        // without a blob store the queue says why, instead of SQS's size error
        try (SqsWebhookQueue small = new SqsWebhookQueue(sqs, q.url())) {
            assertThatThrownBy(() -> small.enqueue(new WebhookMessage(ACCOUNT, "req-big", URI.create("https://hooks.example/"),
                    Map.of(), body))).isInstanceOf(IllegalStateException.class).hasMessageContaining("no blob store");
        }
    }

    @Test
    void aWebhookWhoseBlobIsGoneIsGivenUpAndAPointerToAnotherAccountsBlobIsNoMessage() throws Exception {
        ElasticMq.Queues q = queues();
        MemoryBlobStore blobs = new MemoryBlobStore();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200);
             WebhookSender sender = sender();
             SqsWebhookQueue queue = new SqsWebhookQueue(sqs, q.url(), blobs)) {
            WebhookDeliveries deliveries = new WebhookDeliveries(sender, a -> Optional.of("s3cret"));
            String gone = ACCOUNT + "/request/" + "0".repeat(64);
            assertThat(queue.receive(deliveries, "{\"v\": 1, \"account\": \"" + ACCOUNT + "\", \"request\": \"r\", \"message_blob\": \""
                    + gone + "\"}", "receipt", 1)).isInstanceOf(Outcome.GiveUp.class);
            // a message naming a blob of another account is not followed: dropped as malformed
            String theirs = blobs.put("someone-else", "request", message("req-theirs", receiver.uri()).toJson());
            assertThat(queue.receive(deliveries, "{\"v\": 1, \"account\": \"" + ACCOUNT + "\", \"request\": \"r\", \"message_blob\": \""
                    + theirs + "\"}", "receipt", 1)).isInstanceOf(Outcome.GiveUp.class);
            assertThat(receiver.received()).isEmpty();
        }
    }

    @Test
    void aRetryComesBackAfterWholeSecondsOfAtMostTwelveHours() {
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ZERO)).isZero();
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ofMillis(-5))).isZero();
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ofMillis(1000))).isEqualTo(1);
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(SqsWebhookQueue.visibilitySeconds(Duration.ofDays(3))).isEqualTo(43_200);
    }
}
